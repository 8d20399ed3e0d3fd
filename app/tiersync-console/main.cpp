// tiersync-console: builds the engine workers on their threads, the window, and wires
// them together. Nothing else lives here.

#include "common/confirmer.h"
#include "cache/endpointregistry.h"
#include "console/embeddedserver.h"
#include "console/trafficgenerator.h"
#include "console/workerthreads.h"
#include "core/keychainsecretstore.h"
#include "core/profilestore.h"
#include "keys/keyspage.h"
#include "server/listenaddress.h"
#include "settings/settingspage.h"
#include "shell/consoleworkers.h"
#include "shell/mainwindow.h"
#include "students/studentspage.h"
#include "tunnel/profilerouter.h"

#include <QApplication>
#include <QLabel>
#include <QCommandLineParser>
#include <QIcon>
#include <QProcessEnvironment>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>

#include <cstdio>
#include <optional>

using namespace tiersync;

namespace {

constexpr char kActiveProfileKey[] = "console/active_profile";

}  // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("TierSync"));
    QApplication::setApplicationName(QStringLiteral("tiersync-console"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/hicolor/256x256/tiersync.png")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("TierSync desktop console"));
    parser.addHelpOption();
    const QCommandLineOption profileOption(QStringLiteral("profile"),
                                           QStringLiteral("Connection profile to open (default: the last used one, "
                                                          "else the TIERSYNC_* environment)."),
                                           QStringLiteral("name"));
    const QCommandLineOption pageOption(QStringLiteral("page"), QStringLiteral("Page to open first."),
                                        QStringLiteral("overview|keys|sync|retries|students|cache|settings"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"), QStringLiteral("Grab the window to a PNG after a few seconds, then quit."),
        QStringLiteral("file.png"));
    const QCommandLineOption loadAllOption(QStringLiteral("load-all"),
                                           QStringLiteral("Keys page: load the whole key list at start."));
    const QCommandLineOption serveOption(
        QStringLiteral("serve"),
        QStringLiteral("Also serve the dashboard API, as `tiersync serve` does, on HOST:PORT (port 0: any free one)."),
        QStringLiteral("host:port"));
    const QCommandLineOption trafficOption(
        QStringLiteral("traffic"),
        QStringLiteral("With --serve: send it a steady dashboard load of this many requests per second, so the "
                       "charts move."),
        QStringLiteral("rate"));
    const QCommandLineOption schedulesOption(
        QStringLiteral("run-schedules"),
        QStringLiteral("With --serve: also run the due schedules (the feeds every 5 minutes, ...), as `tiersync "
                       "serve` does, so the replica stays fresh while the console is open."));
    parser.addOptions({profileOption, pageOption, screenshotOption, loadAllOption, serveOption, trafficOption,
                       schedulesOption});
    const QCommandLineOption studentOption(QStringLiteral("student"),
                                           QStringLiteral("Students page: look this Moodle user up at start."),
                                           QStringLiteral("moodle_user_id"));
    parser.addOption(studentOption);
    parser.process(app);
    std::optional<ListenAddress> serveAddress;
    if (parser.isSet(serveOption)) {
        auto address = ListenAddress::parse(parser.value(serveOption));
        if (!address) {
            std::fprintf(stderr, "--serve: %s\n", qPrintable(address.error().message));
            return 2;
        }
        serveAddress = *address;
    }
    int trafficRate = 0;
    if (parser.isSet(trafficOption)) {
        bool ok = false;
        trafficRate = parser.value(trafficOption).toInt(&ok);
        if (!ok || trafficRate < 1 || trafficRate > 1000 || !serveAddress) {
            std::fprintf(stderr, "--traffic: expected 1..1000 requests per second, with --serve\n");
            return 2;
        }
    }

    if (parser.isSet(schedulesOption) && !serveAddress) {
        std::fprintf(stderr, "--run-schedules: only with --serve\n");
        return 2;
    }

    QSettings settings;
    ProfileStore profiles(settings);
    KeychainSecretStore secrets;
    ui::MessageBoxConfirmer confirmer;

    ui::ConsoleWorkers workers(&profiles, &secrets, &confirmer);
    WorkerThreads &threads = workers.threads();
    // The embedded server and its load (dev.sh run): their own threads, like the rest.
    EmbeddedServer *embeddedServer = nullptr;
    TrafficGenerator *traffic = nullptr;
    if (serveAddress) {
        embeddedServer = new EmbeddedServer;
        embeddedServer->setServicesPool(workers.servicesPool());
        embeddedServer->setRunSchedules(parser.isSet(schedulesOption));
        threads.adopt(embeddedServer, QStringLiteral("console-serve"));
    }
    if (trafficRate > 0) {
        TrafficGenerator::Options trafficOptions;
        trafficOptions.requestsPerSecond = trafficRate;
        traffic = new TrafficGenerator(trafficOptions);
        threads.adopt(traffic, QStringLiteral("console-traffic"));
    }

    ui::MainWindow window(workers.context());
    ui::MainWindow::Page page = ui::MainWindow::Page::Keys;
    if (parser.isSet(pageOption) && !ui::MainWindow::pageFromName(parser.value(pageOption), &page)) {
        std::fprintf(stderr, "unknown page '%s'\n", qPrintable(parser.value(pageOption)));
        return 2;
    }
    window.showPage(page);

    QObject::connect(window.settingsPage(), &ui::SettingsPage::activateRequested, &window,
                     [&settings](const ConnectionProfile &profile) {
                         settings.setValue(QLatin1String(kActiveProfileKey), profile.name);
                     });

    if (embeddedServer) {
        auto *servingLabel = new QLabel(QStringLiteral("API: starting…"), &window);
        servingLabel->setObjectName(QStringLiteral("servingLabel"));
        window.statusBar()->addPermanentWidget(servingLabel);
        QObject::connect(embeddedServer, &EmbeddedServer::started, servingLabel, [servingLabel, traffic, embeddedServer](const QString &url) {
            servingLabel->setText(QStringLiteral("API: %1").arg(url));
            if (!traffic)
                return;
            const auto registry = EndpointRegistry::builtIn();
            const QStringList endpoints = registry ? registry->names() : QStringList();
            // The embedded server's own key, held in memory only (EmbeddedServer::apiKey()).
            QMetaObject::invokeMethod(traffic, [traffic, url, endpoints, key = embeddedServer->apiKey()] { traffic->start(url, endpoints, key); },
                                      Qt::QueuedConnection);
        });
        QObject::connect(embeddedServer, &EmbeddedServer::failed, servingLabel, [servingLabel](const QString &message) {
            servingLabel->setText(QStringLiteral("API: not serving"));
            servingLabel->setToolTip(message);
        });
    }

    if (parser.isSet(studentOption)) {
        // Queued: the lookup needs the pages to have the profile, which setProfile hands out after this signal.
        QObject::connect(&window, &ui::MainWindow::profileChanged, &window,
                         [&window, id = parser.value(studentOption)] { window.studentsPage()->lookUp(id); },
                         Qt::ConnectionType(Qt::QueuedConnection | Qt::SingleShotConnection));
    }

    const QString profileName = parser.isSet(profileOption) ? parser.value(profileOption)
                                                            : settings.value(QLatin1String(kActiveProfileKey)).toString();
    // A profile with SSH settings reaches Redis and PostgreSQL through a tunnel, opened on a
    // thread of its own; the engine gets the profile routed through it.
    auto *router = new ProfileRouter;
    threads.adopt(router, QStringLiteral("console-ssh"));
    QObject::connect(router, &ProfileRouter::hostKeyRefused, &window, [&window](const ConnectionProfile &, const HostKeyCheck &check) {
        window.statusBar()->showMessage(QStringLiteral("Not connected: %1").arg(check.describe()));
    });
    QObject::connect(router, &ProfileRouter::failed, &window, [&window](const ConnectionProfile &, const QString &message) {
        window.statusBar()->showMessage(QStringLiteral("Not connected: %1").arg(message));
    });
    QObject::connect(router, &ProfileRouter::routed, &window,
                     [&window, &parser, &loadAllOption, embeddedServer, serveAddress](const ConnectionProfile &profile) {
                         window.setProfile(profile);
                         if (embeddedServer) {
                             const ConnectionProfile active = profile;
                             QMetaObject::invokeMethod(
                                 embeddedServer,
                                 [embeddedServer, active, serveAddress] {
                                     embeddedServer->start(active, serveAddress->host, serveAddress->port);
                                 },
                                 Qt::QueuedConnection);
                         }
                         if (parser.isSet(loadAllOption))
                             window.keysPage()->loadAll();
                     });
    // A profile the Settings page activates goes through the router too.
    window.setProfileActivation([router](const ConnectionProfile &profile) {
        QMetaObject::invokeMethod(router, [router, profile] { router->route(profile); }, Qt::QueuedConnection);
    });
    // Secrets come from the keychain asynchronously; the window is usable meanwhile.
    profiles.resolve(profiles.contains(profileName) ? profileName : QString(), secrets,
                     QProcessEnvironment::systemEnvironment(), [&window, router](Result<ConnectionProfile> profile) {
                         if (!profile) {
                             window.statusBar()->showMessage(
                                 QStringLiteral("Could not load the connection profile: %1")
                                     .arg(profile.error().message));
                             return;
                         }
                         QMetaObject::invokeMethod(router, [router, active = *profile] { router->route(active); },
                                                   Qt::QueuedConnection);
                     });
    window.show();

    if (parser.isSet(screenshotOption)) {
        const QString file = parser.value(screenshotOption);
        QTimer::singleShot(4000, &window, [&window, file] {
            const bool saved = window.grab().save(file);
            std::fprintf(stderr, "%s %s\n", saved ? "screenshot saved to" : "could not save", qPrintable(file));
            QApplication::exit(saved ? 0 : 1);
        });
    }
    const int code = QApplication::exec();
    workers.stopAll();
    return code;
}
