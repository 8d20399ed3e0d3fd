#include "clirun.h"
#include "scratchprofile.h"
#include "testsandbox.h"
#include "verifyok.h"

#include "redis/redisconnection.h"
#include "server/apikey.h"
#include "store/apikeyrepository.h"
#include "store/pgconnection.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace tiersync;

namespace {

constexpr int kRedisDb = 94;  // this test class's own Redis database

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json;
};

}  // namespace

// `tiersync apikey create|list|revoke` as a process on a scratch database: the key is
// printed once (stdout of create, nothing else), PostgreSQL gets its hash, list and
// revoke never show a key or a hash.
class TestApiKeyCli final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<test::ScratchProfile> m_scratch;
    QStringList m_keys;  // every key create printed

    Run cli(const QStringList &arguments)
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const auto &[name, value] : m_scratch->profile().toEnvironment())
            environment.insert(name, value);
        environment.insert(QStringLiteral("XDG_CONFIG_HOME"), QDir::tempPath() + QStringLiteral("/tiersync-apikeycli-test"));
        const test::CliRun ran = test::runProgram(QStringLiteral(TIERSYNC_CLI_PATH),
                                                  QStringList{QStringLiteral("apikey")} + arguments, environment);
        return {ran.exitCode, ran.out, ran.err, QJsonDocument::fromJson(ran.out).object()};
    }

    // Neither a key printed earlier nor a stored hash appears in text.
    void verifyNothingSecretIn(const QByteArray &text)
    {
        for (const QString &key : std::as_const(m_keys)) {
            QVERIFY2(!text.contains(key.mid(apikey::kPrefixLength + 1).toLatin1()), "a key was printed again");
            QVERIFY2(!text.contains(apikey::sha256Hex(key.toLatin1())), "a key's hash was printed");
        }
    }

    QString create(const QString &name, const QString &scopes)
    {
        const Run run = cli({QStringLiteral("create"), name, QStringLiteral("--scope"), scopes});
        if (run.exitCode != 0)
            return {};
        const QString key = QString::fromLatin1(run.out).trimmed();
        m_keys << key;
        return key;
    }

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("apikeycli"), kRedisDb,
                                                    test::ScratchProfile::Schema::Empty);
        VERIFY_OK(scratch);
        m_scratch = std::move(*scratch);
    }

    void cleanupTestCase()
    {
        if (m_scratch)
            (void)RedisConnection(m_scratch->profile().redis).command({"FLUSHDB"});
    }

    void createPrintsTheKeyOnceAndStoresItsHash()
    {
        const Run run = cli({QStringLiteral("create"), QStringLiteral("moodle-prod"), QStringLiteral("--scope"),
                             QStringLiteral("read,metrics")});
        QCOMPARE(run.exitCode, 0);
        // stdout is the key and nothing else, so `KEY=$(tiersync apikey create …)` works.
        const QByteArray key = run.out.trimmed();
        QCOMPARE(run.out, key + '\n');
        const auto prefix = apikey::prefixOf(key);
        QVERIFY2(prefix.has_value(), "create did not print a key");
        m_keys << QString::fromLatin1(key);
        // stderr names it by prefix and says it is shown once; it does not repeat the key.
        QVERIFY(run.err.contains(prefix->toLatin1()));
        QVERIFY(run.err.contains("shown this once"));
        QVERIFY(!run.err.contains(key.mid(apikey::kPrefixLength + 1)));

        PgConnection connection(m_scratch->profile().pg);
        auto found = ApiKeyRepository(connection).findByPrefix(*prefix);
        VERIFY_OK(found);
        QVERIFY(found->has_value());
        QCOMPARE((*found)->sha256Hex, apikey::sha256Hex(key));
        QCOMPARE((*found)->key.name, QStringLiteral("moodle-prod"));
        QCOMPARE((*found)->key.scopes, (QStringList{QStringLiteral("read"), QStringLiteral("metrics")}));
        QVERIFY((*found)->key.createdBy.startsWith(QLatin1String("cli:")));

        // --json: the key once, with the row's fields.
        const Run json = cli({QStringLiteral("create"), QStringLiteral("prometheus"), QStringLiteral("--scope"),
                              QStringLiteral("metrics"), QStringLiteral("--json")});
        QCOMPARE(json.exitCode, 0);
        const QString jsonKey = json.json.value(QStringLiteral("key")).toString();
        QVERIFY(apikey::prefixOf(jsonKey.toLatin1()));
        m_keys << jsonKey;
        QCOMPARE(json.json.value(QStringLiteral("prefix")).toString(), *apikey::prefixOf(jsonKey.toLatin1()));
        QCOMPARE(json.json.value(QStringLiteral("scopes")).toArray(), QJsonArray{QStringLiteral("metrics")});
        QVERIFY(json.json.value(QStringLiteral("revoked_at")).isNull());
        QVERIFY(!json.err.contains(jsonKey.mid(apikey::kPrefixLength + 1).toLatin1()));
    }

    void listShowsNoKeyNorHash()
    {
        QVERIFY(!create(QStringLiteral("dashboard b"), QStringLiteral("read")).isEmpty());
        const Run text = cli({QStringLiteral("list")});
        QCOMPARE(text.exitCode, 0);
        verifyNothingSecretIn(text.out + text.err);
        for (const QString &key : std::as_const(m_keys))
            QVERIFY(text.out.contains(apikey::prefixOf(key.toLatin1())->toLatin1()));
        QVERIFY(text.out.contains("dashboard b"));
        QVERIFY(text.out.contains("read,metrics"));
        QVERIFY(text.out.contains("never"));  // last used

        const Run json = cli({QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(json.exitCode, 0);
        verifyNothingSecretIn(json.out + json.err);
        const QJsonArray keys = json.json.value(QStringLiteral("api_keys")).toArray();
        QCOMPARE(keys.size(), m_keys.size());
        for (const QJsonValue &value : keys) {
            const QJsonObject key = value.toObject();
            QCOMPARE(key.keys(), (QStringList{QStringLiteral("created_at"), QStringLiteral("created_by"),
                                              QStringLiteral("id"), QStringLiteral("last_used_at"),
                                              QStringLiteral("name"), QStringLiteral("prefix"),
                                              QStringLiteral("revoked_at"), QStringLiteral("scopes")}));
            QVERIFY(apikey::isPrefix(key.value(QStringLiteral("prefix")).toString()));
            QVERIFY(key.value(QStringLiteral("id")).toInteger() > 0);
            QVERIFY(key.value(QStringLiteral("last_used_at")).isNull());
        }
    }

    void revokeByPrefixOrIdSaysWhenItTakesEffect()
    {
        const QString first = create(QStringLiteral("to revoke by prefix"), QStringLiteral("read"));
        const QString second = create(QStringLiteral("to revoke by id"), QStringLiteral("read"));
        QVERIFY(!first.isEmpty() && !second.isEmpty());
        const QString firstPrefix = *apikey::prefixOf(first.toLatin1());
        const Run byPrefix = cli({QStringLiteral("revoke"), firstPrefix});
        QCOMPARE(byPrefix.exitCode, 0);
        QVERIFY(byPrefix.out.contains(firstPrefix.toLatin1()));
        QVERIFY2(byPrefix.out.contains("within 30 s"), byPrefix.out.constData());
        verifyNothingSecretIn(byPrefix.out + byPrefix.err);

        PgConnection connection(m_scratch->profile().pg);
        ApiKeyRepository repository(connection);
        auto row = repository.findByPrefix(*apikey::prefixOf(second.toLatin1()));
        VERIFY_OK(row);
        QVERIFY(row->has_value());
        QVERIFY(!(*row)->key.revokedAt.isValid());
        const Run byId = cli({QStringLiteral("revoke"), QString::number((*row)->key.id), QStringLiteral("--json")});
        QCOMPARE(byId.exitCode, 0);
        QVERIFY(!byId.json.value(QStringLiteral("revoked_at")).toString().isEmpty());
        QCOMPARE(byId.json.value(QStringLiteral("takes_effect_within_seconds")).toInt(), 30);

        // Revoking again keeps the first time; a pasted key is taken by its prefix and not echoed.
        const QString firstRevokedAt = byId.json.value(QStringLiteral("revoked_at")).toString();
        const Run again = cli({QStringLiteral("revoke"), second, QStringLiteral("--json")});
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(again.json.value(QStringLiteral("revoked_at")).toString(), firstRevokedAt);
        verifyNothingSecretIn(again.out + again.err);

        const Run list = cli({QStringLiteral("list"), QStringLiteral("--json")});
        int revoked = 0;
        for (const QJsonValue &value : list.json.value(QStringLiteral("api_keys")).toArray())
            if (!value.toObject().value(QStringLiteral("revoked_at")).isNull())
                ++revoked;
        QCOMPARE(revoked, 2);
    }

    void badInputIsRefusedInWords_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QByteArray>("says");
        QTest::newRow("no action") << QStringList{} << 2 << QByteArray("create, list or revoke?");
        QTest::newRow("unknown action") << QStringList{QStringLiteral("rotate")} << 2 << QByteArray("unknown action");
        QTest::newRow("no name") << QStringList{QStringLiteral("create"), QStringLiteral("--scope"), QStringLiteral("read")}
                                 << 2 << QByteArray("needs a NAME");
        QTest::newRow("no scope") << QStringList{QStringLiteral("create"), QStringLiteral("x")} << 2
                                  << QByteArray("needs --scope");
        QTest::newRow("bad scope") << QStringList{QStringLiteral("create"), QStringLiteral("x"), QStringLiteral("--scope"),
                                                  QStringLiteral("read,write")}
                                   << 2 << QByteArray("unknown scope 'write'");
        QTest::newRow("scope twice") << QStringList{QStringLiteral("create"), QStringLiteral("x"), QStringLiteral("--scope"),
                                                    QStringLiteral("read,read")}
                                     << 2 << QByteArray("given twice");
        QTest::newRow("blank name") << QStringList{QStringLiteral("create"), QStringLiteral("  "), QStringLiteral("--scope"),
                                                   QStringLiteral("read")}
                                    << 2 << QByteArray("1 to 100 characters");
        QTest::newRow("revoke what") << QStringList{QStringLiteral("revoke")} << 2 << QByteArray("one ID or PREFIX");
        QTest::newRow("revoke garbage") << QStringList{QStringLiteral("revoke"), QStringLiteral("tsk_nothex")} << 2
                                        << QByteArray("an id (a number) or a prefix");
        QTest::newRow("unknown id") << QStringList{QStringLiteral("revoke"), QStringLiteral("999999")} << 1
                                    << QByteArray("no API key 999999");
        QTest::newRow("unknown prefix") << QStringList{QStringLiteral("revoke"), QStringLiteral("tsk_000000000000")} << 1
                                        << QByteArray("no API key tsk_000000000000");
    }

    void badInputIsRefusedInWords()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QByteArray, says);
        const Run run = cli(arguments);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(run.err.contains(says), run.err.constData());
        QVERIFY(run.out.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestApiKeyCli)
#include "tst_apikeycli.moc"
