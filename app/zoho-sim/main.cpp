// zoho-sim: a local server that answers like Zoho (OAuth, Books, CRM) with a seeded
// data set and /_sim/ controls for faults, mutations, webhooks and counters.
#include "simhttpserver.h"
#include "simoptions.h"
#include "simservice.h"

#include <QFile>
#include <QSaveFile>
#include <QStringList>

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

using namespace tiersync::sim;

namespace {

QStringList arguments(int argc, char **argv)
{
    QStringList list;
    for (int i = 1; i < argc; ++i)
        list.append(QString::fromLocal8Bit(argv[i]));
    return list;
}

// Readers poll for the file: QSaveFile writes a temporary and renames it, so they never
// see a partial port number.
bool writeReadyFile(const QString &path, int port)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(QByteArray::number(port) + '\n');
    return file.commit();
}

}  // namespace

int main(int argc, char **argv)
{
    // SIGTERM/SIGINT are taken by a waiting thread (below), never by a handler that
    // could interrupt httplib; block them before any thread starts so all inherit that.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a client that went away must not kill the server

    auto options = SimOptions::parse(arguments(argc, argv));
    if (!options) {
        std::fprintf(stderr, "zoho-sim: %s\n%s", qPrintable(options.error().message),
                     qPrintable(SimOptions::usage()));
        return 2;
    }
    if (options->help) {
        std::fputs(qPrintable(SimOptions::usage()), stdout);
        return 0;
    }

    SimService service(*options);
    // Generous: each keep-alive connection holds a pool thread while idle, and timeout
    // faults hold one for timeout_ms.
    SimHttpServer server(service, 128);
    const auto port = server.bind(options->host.toStdString(), options->port);
    if (!port) {
        std::fprintf(stderr, "zoho-sim: %s\n", qPrintable(port.error().message));
        return 1;
    }
    const QString base = QStringLiteral("http://%1:%2").arg(options->host).arg(*port);
    service.setApiDomain(base.toStdString());
    if (!options->readyFile.isEmpty() && !writeReadyFile(options->readyFile, *port)) {
        std::fprintf(stderr, "zoho-sim: cannot write %s\n", qPrintable(options->readyFile));
        return 1;
    }

    std::atomic<bool> signalled{false};
    std::thread signalWaiter([&server, &signalled, stopSignals] {
        int signal = 0;
        sigwait(&stopSignals, &signal);
        signalled = true;
        server.stop();
    });
    std::printf("zoho-sim listening on %s\n", qPrintable(base));
    std::fflush(stdout);

    const bool ok = server.run();
    // If the server ended by itself, wake the waiter so it can be joined.
    if (!signalled)
        pthread_kill(signalWaiter.native_handle(), SIGTERM);
    signalWaiter.join();
    return ok ? 0 : 1;
}
