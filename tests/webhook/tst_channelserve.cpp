// `tiersync serve --public-url` and `tiersync channels list|ensure|disable` as processes:
// the serve enables the channels at a private zoho-sim, the sim's notification reaches the
// serve's webhook endpoint and is counted on its channel, a second manager (the CLI) is
// refused while the serve holds the lock, and disable removes the channels at Zoho.
#include "pgtestdatabase.h"
#include "privatezohosim.h"
#include "simcontrol.h"
#include "synctesthelpers.h"
#include "testsandbox.h"

#include "store/migrator.h"
#include "store/pgconnection.h"
#include "webhook/channelmanager.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTcpServer>
#include <QTest>

#include <memory>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 29;  // this executable's Redis database on the fixture's server
const QString kToken = QStringLiteral("crm-serve-channel-token");

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

}  // namespace

class TestChannelServe final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PrivateZohoSim> m_sim;
    std::unique_ptr<PgTestDatabase> m_database;
    QProcessEnvironment m_environment;

    Run cli(const QStringList &arguments)
    {
        QProcess process;
        process.setProcessEnvironment(m_environment);
        process.start(QStringLiteral(TIERSYNC_CLI_PATH), arguments);
        Run run;
        if (!process.waitForFinished(60000)) {
            process.kill();
            process.waitForFinished();
            return run;
        }
        run.exitCode = process.exitCode();
        run.out = process.readAllStandardOutput();
        run.err = process.readAllStandardError();
        return run;
    }
    QJsonObject listJson()
    {
        const Run run = cli({QStringLiteral("channels"), QStringLiteral("list"), QStringLiteral("--json")});
        if (run.exitCode != 0)
            qFatal("channels list: %s", run.err.constData());
        return QJsonDocument::fromJson(run.out).object();
    }
    QHash<QString, QJsonObject> simChannelsById()
    {
        auto channels = simChannels(m_sim->apiBase());
        if (!channels)
            qFatal("%s", qPrintable(channels.error().toString()));
        QHash<QString, QJsonObject> out;
        for (const QJsonValue &channel : *channels)
            out.insert(channel.toObject().value(QLatin1String("channel_id")).toVariant().toString(), channel.toObject());
        return out;
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto sim = PrivateZohoSim::start({QStringLiteral("--students"), QStringLiteral("50"), QStringLiteral("--limits"),
                                          QStringLiteral("off")});
        SYNC_VERIFY_OK(sim);
        m_sim = std::move(*sim);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("channelserve"));
        SYNC_VERIFY_OK(database);
        m_database = std::move(*database);
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(Migrator().migrate(connection));
        ConnectionProfile mine = profile;
        mine.pg = m_database->settings();
        mine.redis.db = kRedisDb;
        mine.zoho = m_sim->settings();
        SYNC_VERIFY_OK(flushRedisDb(mine.redis));
        m_environment = QProcessEnvironment::systemEnvironment();
        for (const auto &[name, value] : mine.toEnvironment())
            m_environment.insert(name, value);
        m_environment.insert(QStringLiteral("XDG_CONFIG_HOME"), QDir::tempPath() + QStringLiteral("/tiersync-channelserve"));
        m_environment.insert(QStringLiteral("TIERSYNC_WEBHOOK_CRM_TOKEN"), kToken);
        m_environment.remove(QStringLiteral("TIERSYNC_PUBLIC_URL"));
    }

    void cleanupTestCase()
    {
        m_database.reset();
        m_sim.reset();
    }

    void withoutPublicUrlListSaysWhy()
    {
        const Run list = cli({QStringLiteral("channels"), QStringLiteral("list")});
        QCOMPARE(list.exitCode, 0);
        QVERIFY2(list.out.contains("no public callback URL"), list.out.constData());
        QVERIFY(listJson().value(QLatin1String("reason")).toString().contains(QStringLiteral("no public callback URL")));
        QCOMPARE(listJson().value(QLatin1String("channels")).toArray().size(), 0);

        // A URL but no token: nothing could be enabled, and list says so.
        const QProcessEnvironment full = m_environment;
        m_environment.insert(QStringLiteral("TIERSYNC_PUBLIC_URL"), QStringLiteral("https://ts.example.org"));
        m_environment.remove(QStringLiteral("TIERSYNC_WEBHOOK_CRM_TOKEN"));
        const Run noToken = cli({QStringLiteral("channels"), QStringLiteral("list")});
        const Run ensureNoToken = cli({QStringLiteral("channels"), QStringLiteral("ensure")});
        m_environment = full;
        QVERIFY2(noToken.out.contains("no CRM webhook token"), noToken.out.constData());
        QCOMPARE(ensureNoToken.exitCode, 1);
        QVERIFY2(ensureNoToken.err.contains("TIERSYNC_WEBHOOK_CRM_TOKEN"), ensureNoToken.err.constData());

        const Run ensure = cli({QStringLiteral("channels"), QStringLiteral("ensure")});
        QCOMPARE(ensure.exitCode, 1);
        QVERIFY2(ensure.err.contains("no public callback URL"), ensure.err.constData());
        QVERIFY(simChannelsById().isEmpty());

        const Run bad = cli({QStringLiteral("channels"), QStringLiteral("ensure"), QStringLiteral("--public-url"),
                             QStringLiteral("ftp://example.org")});
        QCOMPARE(bad.exitCode, 2);
        QCOMPARE(cli({QStringLiteral("channels"), QStringLiteral("nope")}).exitCode, 2);
        const Run badServe = cli({QStringLiteral("serve"), QStringLiteral("--public-url"), QStringLiteral("example.org")});
        QCOMPARE(badServe.exitCode, 2);
        QVERIFY(badServe.err.contains("--public-url"));
    }

    void serveKeepsChannelsAndCountsNotifications()
    {
        int port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(port);
        QProcess serve;
        serve.setProcessEnvironment(m_environment);
        serve.start(QStringLiteral(TIERSYNC_CLI_PATH),
                    {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port),
                     QStringLiteral("--public-url"), url});
        QVERIFY(serve.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += serve.readAllStandardOutput()).contains("listening")
                                     || serve.state() != QProcess::Running,
                                 30000);
        QVERIFY2(serve.state() == QProcess::Running && out.contains("listening"),
                 (out + serve.readAllStandardError()).constData());

        const QString id = ChannelManager::channelIdFor(m_sim->settings().clientId, QStringLiteral("Students"));
        QTRY_VERIFY_WITH_TIMEOUT(simChannelsById().contains(id), 30000);
        QCOMPARE(simChannelsById().value(id).value(QLatin1String("notify_url")).toString(),
                 url + QStringLiteral("/webhooks/zoho/crm"));

        // The serve manages the channels: the CLI's manager is refused.
        const Run second = cli({QStringLiteral("channels"), QStringLiteral("ensure"), QStringLiteral("--public-url"), url});
        QCOMPARE(second.exitCode, 1);
        QVERIFY2(second.err.contains("another process"), second.err.constData());

        auto mutated = simMutateOp(m_sim->apiBase(), QStringLiteral("Students"), QStringLiteral("update"),
                                   QJsonObject{{QStringLiteral("count"), 1}, {QStringLiteral("wait_notifications"), true}});
        SYNC_VERIFY_OK(mutated);
        auto notifications = simNotifications(m_sim->apiBase());
        SYNC_VERIFY_OK(notifications);
        QCOMPARE(notifications->value(QLatin1String("last")).toArray().last().toObject().value(QLatin1String("status")).toInt(),
                 200);

        QJsonObject students;
        for (const QJsonValue &channel : listJson().value(QLatin1String("channels")).toArray())
            if (channel.toObject().value(QLatin1String("module")).toString() == QLatin1String("Students"))
                students = channel.toObject();
        QCOMPARE(students.value(QLatin1String("channel_id")).toString(), id);
        QCOMPARE(students.value(QLatin1String("status")).toString(), QStringLiteral("active"));
        QCOMPARE(students.value(QLatin1String("notifications")).toInteger(), 1);
        QVERIFY(students.value(QLatin1String("last_notification_at")).isString());
        QVERIFY(students.value(QLatin1String("expires_at")).isString());
        const Run text = cli({QStringLiteral("channels"), QStringLiteral("list")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains(id.toLatin1()));
        QVERIFY(text.out.contains("active"));
        QVERIFY(!text.out.contains(kToken.toLatin1()));
        QVERIFY(!serve.readAllStandardError().contains(kToken.toLatin1()));

        serve.terminate();
        QVERIFY(serve.waitForFinished(30000));
        QCOMPARE(serve.exitStatus(), QProcess::NormalExit);
        QCOMPARE(serve.exitCode(), 0);
    }

    void disableRemovesThemAtZoho()
    {
        const Run disable = cli({QStringLiteral("channels"), QStringLiteral("disable")});
        QCOMPARE(disable.exitCode, 0);
        QVERIFY(simChannelsById().isEmpty());
        const QJsonArray channels = listJson().value(QLatin1String("channels")).toArray();
        QVERIFY(!channels.isEmpty());
        for (const QJsonValue &channel : channels)
            QCOMPARE(channel.toObject().value(QLatin1String("status")).toString(), QStringLiteral("disabled"));
    }
};

QTEST_GUILESS_MAIN(TestChannelServe)
#include "tst_channelserve.moc"
