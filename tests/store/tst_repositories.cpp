#include "pgtestdatabase.h"
#include "testsandbox.h"

#include "store/advisorylock.h"
#include "store/entityrepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/retryeventrepository.h"
#include "store/settingsrepository.h"
#include "store/snapshotrepository.h"
#include "store/syncrunrepository.h"
#include "store/webhookeventrepository.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <pqxx/pqxx>

#include <memory>

using namespace tiersync;
using tiersync::test::PgTestDatabase;

namespace {

QString errorText(const Error &error)
{
    return error.toString();
}

// Evaluates its argument once.
#define VERIFY_OK(expression)                                                              \
    do {                                                                                   \
        const auto &verified = (expression);                                               \
        QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString()                       \
                                                         : errorText(verified.error())));  \
    } while (false)

QString sha256Hex(const QByteArray &data)
{
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

EntityRepository::Row makeRow(const QString &type, int index, int revision = 0)
{
    EntityRepository::Row row;
    row.entityType = type;
    row.zohoId = QStringLiteral("46000000%1").arg(index, 8, 10, QLatin1Char('0'));
    row.payload = QStringLiteral(R"({"item_id":"%1","name":"Item %2","rate":%3,"revision":%4})")
                      .arg(row.zohoId)
                      .arg(index)
                      .arg(index * 1.5)
                      .arg(revision)
                      .toUtf8();
    row.contentHash = sha256Hex(row.payload);
    row.lastModifiedTime = QDateTime(QDate(2024, 1, 1), QTime(12, 0), Qt::UTC).addSecs(index + revision);
    return row;
}

QJsonObject parse(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

}  // namespace

class TestRepositories final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("repositories"));
        VERIFY_OK(database);
        m_database = std::move(*database);
        m_connection = std::make_unique<PgConnection>(m_database->settings());
        VERIFY_OK(Migrator().migrate(*m_connection));
    }

    void cleanupTestCase()
    {
        m_connection.reset();
        m_database.reset();
    }

    void upsertTenThousandThenTenChanged()
    {
        EntityRepository entities(*m_connection);
        const QString type = QStringLiteral("products");
        QList<EntityRepository::Row> rows;
        for (int i = 0; i < 10000; ++i)
            rows << makeRow(type, i);
        auto written = entities.upsert(rows);
        VERIFY_OK(written);
        QCOMPARE(*written, 10000);
        QCOMPARE(*entities.count(type), qint64(10000));

        // Ten changed rows, written as their own (small, multi-row INSERT) batch.
        QList<EntityRepository::Row> changed;
        for (int i = 0; i < 10000; i += 1000)
            changed << makeRow(type, i, 1);
        written = entities.upsert(changed);
        VERIFY_OK(written);
        QCOMPARE(*written, 10);
        QCOMPARE(*entities.count(type), qint64(10000));

        auto hashes = entities.contentHashes(type);
        VERIFY_OK(hashes);
        QCOMPARE(hashes->size(), 10000);
        for (int i = 0; i < 10000; i += 1000)
            QCOMPARE(hashes->value(makeRow(type, i).zohoId), makeRow(type, i, 1).contentHash);
        QCOMPARE(hashes->value(makeRow(type, 1).zohoId), makeRow(type, 1).contentHash);

        auto first = entities.get(type, makeRow(type, 0).zohoId);
        VERIFY_OK(first);
        QVERIFY(first->has_value());
        QCOMPARE((*first)->syncCount, 2);
        QCOMPARE(parse((*first)->row.payload)[QStringLiteral("revision")].toInt(), 1);
        QCOMPARE((*first)->row.lastModifiedTime, makeRow(type, 0, 1).lastModifiedTime);
        QVERIFY((*first)->syncedAt.isValid());
        QVERIFY(!(*first)->deletedAt.isValid());
        auto untouched = entities.get(type, makeRow(type, 1).zohoId);
        VERIFY_OK(untouched);
        QCOMPARE((*untouched)->syncCount, 1);

        // The whole set again through COPY: every row counted once more.
        written = entities.upsert(rows);
        VERIFY_OK(written);
        QCOMPARE(*written, 10000);
        QCOMPARE((*entities.get(type, makeRow(type, 0).zohoId))->syncCount, 3);
        QCOMPARE((*entities.get(type, makeRow(type, 1).zohoId))->syncCount, 2);
        QCOMPARE(entities.contentHashes(type)->value(makeRow(type, 0).zohoId),
                 makeRow(type, 0).contentHash);
    }

    void bothUpsertMethodsAgree()
    {
        for (auto method : {EntityRepository::UpsertMethod::Copy,
                            EntityRepository::UpsertMethod::MultiRowInsert}) {
            EntityRepository entities(*m_connection);
            entities.setUpsertMethod(method);
            const QString type = method == EntityRepository::UpsertMethod::Copy
                ? QStringLiteral("m_copy")
                : QStringLiteral("m_insert");
            QList<EntityRepository::Row> rows;
            for (int i = 0; i < 300; ++i)
                rows << makeRow(type, i);
            // Quotes, backslashes, tabs, newlines and non-ASCII survive both paths.
            rows[7].payload = QStringLiteral("{\"name\":\"O'Brien \\\"q\\\" \\\\ tab\\t nl\\n é 漢\"}").toUtf8();
            rows[8].lastModifiedTime = QDateTime();
            VERIFY_OK(entities.upsert(rows));
            VERIFY_OK(entities.upsert(rows));
            auto stored = entities.get(type, rows[7].zohoId);
            VERIFY_OK(stored);
            QCOMPARE(parse((*stored)->row.payload)[QStringLiteral("name")].toString(),
                     QStringLiteral("O'Brien \"q\" \\ tab\t nl\n é 漢"));
            QCOMPARE((*stored)->syncCount, 2);
            QVERIFY(!(*entities.get(type, rows[8].zohoId))->row.lastModifiedTime.isValid());
            QCOMPARE(*entities.count(type), qint64(300));
        }
    }

    void duplicateKeysInOneBatchLastWins()
    {
        EntityRepository entities(*m_connection);
        const QString type = QStringLiteral("dups");
        auto written = entities.upsert({makeRow(type, 1, 0), makeRow(type, 2), makeRow(type, 1, 5)});
        VERIFY_OK(written);
        QCOMPARE(*written, 2);
        QCOMPARE(entities.contentHashes(type, {makeRow(type, 1).zohoId})->value(makeRow(type, 1).zohoId),
                 makeRow(type, 1, 5).contentHash);
    }

    void badJsonCommitsNothing_data()
    {
        QTest::addColumn<int>("batchSize");
        QTest::newRow("multi-row insert") << 20;
        QTest::newRow("copy") << 1000;
    }
    void badJsonCommitsNothing()
    {
        QFETCH(int, batchSize);
        EntityRepository entities(*m_connection);
        const QString type = QStringLiteral("bad_%1").arg(batchSize);
        QList<EntityRepository::Row> rows;
        for (int i = 0; i < batchSize; ++i)
            rows << makeRow(type, i);
        rows[batchSize / 2].payload = R"({"password":"s3cr3t-value", broken)";
        auto written = entities.upsert(rows);
        QVERIFY(!written.ok());
        QCOMPARE(written.error().kind, ErrorKind::InvalidArgument);
        QVERIFY2(!written.error().message.contains(QLatin1String("s3cr3t")),
                 qPrintable(written.error().message));
        QCOMPARE(*entities.count(type, true), qint64(0));
        // The session is still good and the staging table empty for the next batch.
        rows[batchSize / 2] = makeRow(type, batchSize / 2);
        written = entities.upsert(rows);
        VERIFY_OK(written);
        QCOMPARE(*written, batchSize);
    }

    void invalidRowsAreRejectedBeforeTheServer()
    {
        EntityRepository entities(*m_connection);
        EntityRepository::Row row = makeRow(QStringLiteral("x"), 1);
        row.zohoId.clear();
        auto written = entities.upsert({row});
        QVERIFY(!written.ok());
        QCOMPARE(written.error().kind, ErrorKind::InvalidArgument);
    }

    void markMissingDeleted()
    {
        EntityRepository entities(*m_connection);
        const QString type = QStringLiteral("customers");
        QList<EntityRepository::Row> rows;
        QStringList seen;
        for (int i = 0; i < 1000; ++i) {
            rows << makeRow(type, i);
            if (i % 200 != 0)
                seen << rows.last().zohoId;
        }
        VERIFY_OK(entities.upsert(rows));
        auto marked = entities.markMissingDeleted(type, seen);
        VERIFY_OK(marked);
        QCOMPARE(*marked, 5);
        QCOMPARE(*entities.count(type), qint64(995));
        QCOMPARE(*entities.count(type, true), qint64(1000));
        // Marking again changes nothing.
        QCOMPARE(*entities.markMissingDeleted(type, seen), 0);
        auto hashes = entities.contentHashes(type, {rows[0].zohoId, rows[1].zohoId});
        VERIFY_OK(hashes);
        QCOMPARE(hashes->size(), 1);
        QVERIFY(hashes->contains(rows[1].zohoId));
        QVERIFY((*entities.get(type, rows[0].zohoId))->deletedAt.isValid());

        // It comes back: upserting clears deleted_at.
        VERIFY_OK(entities.upsert({rows[0]}));
        QVERIFY(!(*entities.get(type, rows[0].zohoId))->deletedAt.isValid());
        QCOMPARE(*entities.count(type), qint64(996));
        // Other types are untouched.
        QCOMPARE(*entities.count(QStringLiteral("products")), qint64(10000));
    }

    void iterateInChunks()
    {
        EntityRepository entities(*m_connection);
        const QString type = QStringLiteral("students");
        QList<EntityRepository::Row> rows;
        for (int i = 0; i < 2345; ++i)
            rows << makeRow(type, i);
        VERIFY_OK(entities.upsert(rows));
        VERIFY_OK(entities.markMissingDeleted(type, QStringList{rows[0].zohoId, rows[1].zohoId}
                                                        + [&] {
                                                              QStringList ids;
                                                              for (int i = 3; i < 2345; ++i)
                                                                  ids << rows[i].zohoId;
                                                              return ids;
                                                          }()));
        QSet<QString> visited;
        int chunks = 0;
        VERIFY_OK(entities.forEachChunk(type, 500, [&](const QList<EntityRepository::StoredRow> &chunk) {
            ++chunks;
            for (const auto &stored : chunk)
                visited.insert(stored.row.zohoId);
            return true;
        }));
        QCOMPARE(visited.size(), 2344);  // the deleted one is not warmed
        QVERIFY(!visited.contains(rows[2].zohoId));
        QCOMPARE(chunks, 5);

        int stoppedAfter = 0;
        VERIFY_OK(entities.forEachChunk(type, 100, [&](const QList<EntityRepository::StoredRow> &) {
            return ++stoppedAfter < 2;
        }));
        QCOMPARE(stoppedAfter, 2);
    }

    void snapshots()
    {
        SnapshotRepository snapshots(*m_connection);
        auto missing = snapshots.get(QStringLiteral("profile"), 3);
        VERIFY_OK(missing);
        QVERIFY(!missing->has_value());

        SnapshotRepository::Snapshot snapshot;
        snapshot.endpoint = QStringLiteral("profile");
        snapshot.moodleUserId = 3;
        snapshot.payload = R"({"name":"Ada","grades":[1,2]})";
        snapshot.contentHash = sha256Hex(snapshot.payload);
        snapshot.fetchedAt = QDateTime(QDate(2024, 6, 11), QTime(14, 45, 30, 123), Qt::UTC);  // pinned
        VERIFY_OK(snapshots.upsert(snapshot));

        auto stored = snapshots.get(QStringLiteral("profile"), 3);
        VERIFY_OK(stored);
        QVERIFY(stored->has_value());
        QCOMPARE(parse((*stored)->payload), parse(snapshot.payload));
        QCOMPARE((*stored)->contentHash, snapshot.contentHash);
        QCOMPARE((*stored)->fetchedAt, snapshot.fetchedAt);

        // An older answer arriving late does not overwrite the newer one.
        SnapshotRepository::Snapshot older = snapshot;
        older.payload = R"({"name":"Old"})";
        older.fetchedAt = snapshot.fetchedAt.addSecs(-60);
        auto written = snapshots.upsert(older);
        VERIFY_OK(written);
        QVERIFY(!*written);
        QCOMPARE(parse((*snapshots.get(QStringLiteral("profile"), 3))->payload)[QStringLiteral("name")]
                     .toString(),
                 QStringLiteral("Ada"));

        for (const char *endpoint : {"academics", "finance", "classes", "requests"}) {
            SnapshotRepository::Snapshot other = snapshot;
            other.endpoint = QLatin1String(endpoint);
            other.fetchedAt = QDateTime();
            VERIFY_OK(snapshots.upsert(other));
        }
        for (qint64 user = 10; user < 260; ++user) {
            SnapshotRepository::Snapshot other = snapshot;
            other.moodleUserId = user;
            VERIFY_OK(snapshots.upsert(other));
        }
        QCOMPARE(*snapshots.count(), qint64(255));
        QCOMPARE(*snapshots.count(QStringLiteral("profile")), qint64(251));

        int seen = 0;
        VERIFY_OK(snapshots.forEachChunk(100, [&](const QList<SnapshotRepository::Snapshot> &chunk) {
            seen += int(chunk.size());
            return true;
        }));
        QCOMPARE(seen, 255);
        seen = 0;
        VERIFY_OK(snapshots.forEachChunk(
            100,
            [&](const QList<SnapshotRepository::Snapshot> &chunk) {
                seen += int(chunk.size());
                return true;
            },
            QStringLiteral("finance")));
        QCOMPARE(seen, 1);

        QCOMPARE(*snapshots.remove(QStringLiteral("profile"), 3), 1);
        QCOMPARE(*snapshots.remove(QString(), 3), 4);
        QVERIFY(!snapshots.get(QStringLiteral("finance"), 3)->has_value());
    }

    void syncRunLifecycle()
    {
        SyncRunRepository runs(*m_connection);
        auto id = runs.start(QStringLiteral("products"), QStringLiteral("incremental"),
                             QStringLiteral("manual"));
        VERIFY_OK(id);
        auto run = runs.get(*id);
        VERIFY_OK(run);
        QCOMPARE((*run)->status, SyncRunStatus::Running);
        QCOMPARE((*run)->durationMs, qint64(-1));
        QVERIFY(!(*run)->finishedAt.isValid());

        SyncRunRepository::Counters counters;
        counters.fetched = 200;
        counters.pages = 1;
        counters.zohoCalls = 1;
        VERIFY_OK(runs.updateProgress(*id, counters));
        QCOMPARE((*runs.get(*id))->counters, counters);

        counters.fetched = 1312;
        counters.synced = 12;
        counters.skipped = 1300;
        counters.pages = 7;
        counters.zohoCalls = 8;
        counters.retries = 1;
        VERIFY_OK(runs.finish(*id, SyncRunStatus::Succeeded, counters));
        run = runs.get(*id);
        QCOMPARE((*run)->status, SyncRunStatus::Succeeded);
        QCOMPARE((*run)->counters, counters);
        QVERIFY((*run)->finishedAt.isValid());
        QVERIFY((*run)->durationMs >= 0);
        QVERIFY((*run)->finishedAt >= (*run)->startedAt);

        const Status again = runs.finish(*id, SyncRunStatus::Failed, counters);
        QVERIFY(!again.ok());
        QCOMPARE(again.error().kind, ErrorKind::Conflict);
        QVERIFY(!runs.updateProgress(*id, counters).ok());
        QVERIFY(!runs.finish(*id, SyncRunStatus::Running, counters).ok());  // a run cannot end as running

        auto second = runs.start(QStringLiteral("customers"), QStringLiteral("full"),
                                 QStringLiteral("schedule"));
        VERIFY_OK(second);
        VERIFY_OK(runs.finish(*second, SyncRunStatus::Failed, {},
                              QStringLiteral("circuit open")));
        auto recent = runs.recent(10);
        VERIFY_OK(recent);
        QCOMPARE(recent->size(), 2);
        QCOMPARE(recent->first().id, *second);
        QCOMPARE(recent->first().error, QStringLiteral("circuit open"));
        QCOMPARE(runs.recent(10, QStringLiteral("products"))->size(), 1);
        QVERIFY(!runs.get(999999)->has_value());
        QVERIFY(!runs.start(QStringLiteral("products"), QStringLiteral("weird"),
                            QStringLiteral("manual"))
                     .ok());
    }

    void retryEvents()
    {
        RetryEventRepository repository(*m_connection);
        // A fixed instant: nothing here depends on "now", so nothing reads the wall clock.
        const QDateTime base(QDate(2026, 1, 15), QTime(12, 0), Qt::UTC);
        QList<RetryEvent> events;
        for (int i = 0; i < 3; ++i) {
            RetryEvent event;
            event.at = base.addSecs(i);
            event.target = QStringLiteral("GET /books/v3/items");
            event.attempt = i + 1;
            event.maxAttempts = 3;
            event.errorClass = i == 1 ? QStringLiteral("rate_limited") : QStringLiteral("server");
            event.httpStatus = i == 1 ? 429 : 503;
            event.delayMs = i == 2 ? 0 : 2000 << i;
            event.outcome = i == 2 ? QStringLiteral("gave_up") : QStringLiteral("retry");
            events << event;
        }
        RetryEvent noResponse = events.first();
        noResponse.target = QStringLiteral("GET /crm/v2/Students");
        noResponse.httpStatus = 0;
        noResponse.errorClass = QStringLiteral("timeout");
        events << noResponse;
        auto inserted = repository.insert(events);
        VERIFY_OK(inserted);
        QCOMPARE(*inserted, 4);

        auto all = repository.recent({});
        VERIFY_OK(all);
        QCOMPARE(all->size(), 4);
        QCOMPARE(all->first().outcome, QStringLiteral("gave_up"));
        QCOMPARE(all->first().at, events[2].at);

        RetryEventRepository::Filter filter;
        filter.target = QStringLiteral("GET /crm/v2/Students");
        auto crm = repository.recent(filter);
        VERIFY_OK(crm);
        QCOMPARE(crm->size(), 1);
        QCOMPARE(crm->first().httpStatus, 0);
        QCOMPARE(crm->first().errorClass, QStringLiteral("timeout"));

        filter = {};
        filter.errorClass = QStringLiteral("rate_limited");
        QCOMPARE(repository.recent(filter)->first().httpStatus, 429);
        filter = {};
        filter.since = base.addSecs(1);
        QCOMPARE(repository.recent(filter)->size(), 2);
        filter = {};
        filter.limit = 1;
        QCOMPARE(repository.recent(filter)->size(), 1);

        QCOMPARE(*repository.purgeBefore(base.addSecs(1)), 2);
        QCOMPARE(repository.recent({})->size(), 2);
    }

    void webhookIdempotency()
    {
        WebhookEventRepository webhooks(*m_connection);
        WebhookEventRepository::Event event;
        event.idempotencyKey = QStringLiteral("crm:Students:123:2024-01-01T00:00:00Z");
        event.source = QStringLiteral("crm");
        event.entityType = QStringLiteral("students");
        event.entityId = QStringLiteral("123");
        auto first = webhooks.record(event);
        VERIFY_OK(first);
        QVERIFY(*first);
        auto second = webhooks.record(event);
        VERIFY_OK(second);
        QVERIFY(!*second);

        const QStringList keys{QStringLiteral("tiersync:v1:ep:profile:3"),
                               QStringLiteral("tiersync:v1:ep:with \"quote\",comma:3")};
        VERIFY_OK(webhooks.updateOutcome(event.idempotencyKey, WebhookOutcome::Processed, keys));
        auto stored = webhooks.get(event.idempotencyKey);
        VERIFY_OK(stored);
        QVERIFY(stored->has_value());
        QCOMPARE((*stored)->outcome, WebhookOutcome::Processed);
        QCOMPARE((*stored)->invalidatedKeys, keys);
        QCOMPARE((*stored)->entityId, QStringLiteral("123"));
        QVERIFY((*stored)->receivedAt.isValid());

        const Status unknown = webhooks.updateOutcome(QStringLiteral("nope"), WebhookOutcome::Failed, {});
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().kind, ErrorKind::NotFound);

        WebhookEventRepository::Event books = event;
        books.idempotencyKey = QStringLiteral("books:items:9");
        books.source = QStringLiteral("books");
        books.entityType.clear();
        books.entityId.clear();
        QVERIFY(*webhooks.record(books));
        QCOMPARE(webhooks.recent(10)->size(), 2);
        auto onlyBooks = webhooks.recent(10, QStringLiteral("books"));
        VERIFY_OK(onlyBooks);
        QCOMPARE(onlyBooks->size(), 1);
        QVERIFY(onlyBooks->first().entityId.isEmpty());
        QVERIFY(onlyBooks->first().invalidatedKeys.isEmpty());
        QCOMPARE(onlyBooks->first().outcome, WebhookOutcome::Received);
    }

    // The outcome is stored as the text every version has written (rows written before it
    // became an enum read back as they were); a text no version writes is an error, not a guess.
    void webhookOutcomesAsStored()
    {
        WebhookEventRepository webhooks(*m_connection);
        const QList<std::pair<WebhookOutcome, QString>> outcomes{
            {WebhookOutcome::Received, QStringLiteral("received")},
            {WebhookOutcome::Processed, QStringLiteral("processed")},
            {WebhookOutcome::Unchanged, QStringLiteral("unchanged")},
            {WebhookOutcome::Rejected, QStringLiteral("rejected")},
            {WebhookOutcome::Failed, QStringLiteral("failed")}};
        for (const auto &[outcome, text] : outcomes) {
            WebhookEventRepository::Event event;
            event.idempotencyKey = QStringLiteral("outcome:") + text;
            event.source = QStringLiteral("sim");
            event.outcome = outcome;
            VERIFY_OK(webhooks.record(event));
            QString stored;
            VERIFY_OK(m_connection->transaction(QStringLiteral("reading"), [&](pqxx::transaction_base &txn) -> Status {
                stored = QString::fromStdString(
                    txn.exec_params1("SELECT outcome FROM tiersync.webhook_events WHERE idempotency_key = $1",
                                     event.idempotencyKey.toStdString())[0]
                        .as<std::string>());
                return {};
            }));
            QCOMPARE(stored, text);
            QCOMPARE(webhookOutcomeName(outcome), text);
            QCOMPARE(webhookOutcomeFromName(text), std::optional<WebhookOutcome>(outcome));
            auto read = webhooks.get(event.idempotencyKey);
            VERIFY_OK(read);
            QCOMPARE((*read)->outcome, outcome);
        }
        QVERIFY(!webhookOutcomeFromName(QStringLiteral("applied")));
        VERIFY_OK(m_connection->transaction(QStringLiteral("writing"), [](pqxx::transaction_base &txn) -> Status {
            txn.exec("INSERT INTO tiersync.webhook_events (idempotency_key, source, outcome)"
                     " VALUES ('outcome:odd', 'sim', 'applied')");
            return {};
        }));
        auto odd = webhooks.get(QStringLiteral("outcome:odd"));
        QVERIFY(!odd);
        QCOMPARE(odd.error().kind, ErrorKind::Protocol);
        QVERIFY2(odd.error().message.contains(QStringLiteral("“applied”")), qPrintable(odd.error().message));
        QVERIFY(!webhooks.recent(100, QStringLiteral("sim")));
        VERIFY_OK(m_connection->transaction(QStringLiteral("cleaning"), [](pqxx::transaction_base &txn) -> Status {
            txn.exec("DELETE FROM tiersync.webhook_events WHERE source = 'sim'");
            return {};
        }));
    }

    void settings()
    {
        SettingsRepository settings(*m_connection);
        auto enabled = settings.cachingEnabled();
        VERIFY_OK(enabled);
        QVERIFY(*enabled);  // seeded by the migration
        VERIFY_OK(settings.setCachingEnabled(false, QStringLiteral("alice")));
        QVERIFY(!*settings.cachingEnabled());
        auto entry = settings.get(QLatin1String(SettingsRepository::kCachingEnabled));
        VERIFY_OK(entry);
        QCOMPARE((*entry)->value, QStringLiteral("false"));
        QCOMPARE((*entry)->updatedBy, QStringLiteral("alice"));
        QVERIFY((*entry)->updatedAt.isValid());
        VERIFY_OK(settings.set(QStringLiteral("other"), QStringLiteral("42"), QStringLiteral("bob")));
        QCOMPARE(settings.all()->size(), 2);
        QVERIFY(!settings.get(QStringLiteral("missing"))->has_value());
        VERIFY_OK(settings.set(QLatin1String(SettingsRepository::kCachingEnabled),
                               QStringLiteral("maybe"), QStringLiteral("bob")));
        QCOMPARE(settings.cachingEnabled().error().kind, ErrorKind::Protocol);
        VERIFY_OK(settings.setCachingEnabled(true, QStringLiteral("alice")));
    }

    void advisoryLockIsExclusiveAcrossSessions()
    {
        PgConnection other(m_database->settings());
        const QString name = AdvisoryLock::syncLockName(QStringLiteral("products"));
        {
            AdvisoryLock mine(*m_connection, name);
            AdvisoryLock theirs(other, name);
            auto got = mine.tryLock();
            VERIFY_OK(got);
            QVERIFY(*got);
            QVERIFY(mine.isHeld());
            QVERIFY(*mine.tryLock());  // re-entrant for the holder, still held once

            auto denied = theirs.tryLock();
            VERIFY_OK(denied);
            QVERIFY(!*denied);
            QVERIFY(!theirs.isHeld());

            // Another name is independent.
            AdvisoryLock customers(other, AdvisoryLock::syncLockName(QStringLiteral("customers")));
            QVERIFY(*customers.tryLock());

            VERIFY_OK(mine.unlock());
            QVERIFY(!mine.isHeld());
            QVERIFY(*theirs.tryLock());
            QVERIFY(!*mine.tryLock());
        }
        // Destructors released everything.
        AdvisoryLock again(*m_connection, name);
        QVERIFY(*again.tryLock());
    }

    void advisoryLockDiesWithItsSession()
    {
        PgConnection holder(m_database->settings());
        PgConnection other(m_database->settings());
        const QString name = QStringLiteral("session-bound");
        AdvisoryLock held(holder, name);
        QVERIFY(*held.tryLock());
        const int pid = holder.backendPid();
        QVERIFY(other
                    .nonTransaction(QStringLiteral("kill"),
                                    [&](pqxx::transaction_base &txn) -> Status {
                                        txn.exec("SELECT pg_terminate_backend(" + std::to_string(pid)
                                                 + ")");
                                        return {};
                                    })
                    .ok());
        AdvisoryLock contender(other, name);
        QTRY_VERIFY(contender.tryLock().valueOr(false));
        // The holder finds out on its next use and does not believe it still holds it.
        QVERIFY(holder.open().ok());
        QVERIFY(!held.isHeld());
        QVERIFY(!*held.tryLock());
    }

private:
    std::unique_ptr<PgTestDatabase> m_database;
    std::unique_ptr<PgConnection> m_connection;
};

QTEST_GUILESS_MAIN(TestRepositories)
#include "tst_repositories.moc"
