// Feed runs against a scripted Zoho (FakeZoho) and the fixture's PostgreSQL and Redis
// (db 75): CRM's deleted-records list marks live rows deleted and unlinks their states,
// never a row this run listed, never an id that was never synced; the deleted watermark
// moves; listings that would never end fail instead of running on.
#include "fakezoho.h"
#include "manualepochclock.h"
#include "pgtestdatabase.h"
#include "synctesthelpers.h"
#include "testsandbox.h"
#include "zohotesthelpers.h"

#include "cache/cachekeys.h"
#include "redis/redisconnection.h"
#include "store/entityrepository.h"
#include "store/feedstaterepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "sync/syncorchestrator.h"
#include "zoho/zohoservice.h"

#include <QTest>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace tiersync;
using namespace tiersync::test;

namespace {

constexpr int kRedisDb = 75;  // this executable's Redis database on the fixture's server
constexpr qint64 kFeedStartMs = 1893456030000;  // 2030-01-01 00:00:30 UTC

// JSON written with single quotes (moc does not follow raw strings everywhere).
std::string j(std::string text)
{
    std::replace(text.begin(), text.end(), '\'', '"');
    return text;
}

std::string record(const std::string &id, const std::string &modified, int score)
{
    return j("{'id':'") + id + j("','Moodle_User_ID':'7','Score':") + std::to_string(score)
        + j(",'Modified_Time':'") + modified + j("'}");
}

// What the scripted Zoho answers; changed by the test between runs.
struct Script {
    std::mutex mutex;
    std::string listBody;       // 200 body of the list (empty: 304 when asked with If-Modified-Since)
    std::string deletedBody;    // 200 body of the deleted list (empty: 204)
    std::vector<std::string> deletedSince;  // If-Modified-Since of each deleted-list request
    std::vector<std::string> listSince;
    bool endless = false;       // the list always has more, with the same page token
    bool endlessPages = false;  // the list always has more, each page a new token
};

}  // namespace

class TestFeedDeletions final : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<SyncOrchestrator> orchestrator(SyncOptions options = {})
    {
        options.clock = m_clock.clock();
        options.feed = true;
        return std::make_unique<SyncOrchestrator>(gradesFeedEntity(), m_service->client(), m_database->settings(),
                                                  m_redis, options);
    }

    std::optional<EntityRepository::StoredRow> row(const QString &id)
    {
        PgConnection connection(m_database->settings());
        auto stored = EntityRepository(connection).get(QStringLiteral("grades"), id);
        if (!stored)
            qFatal("row: %s", qPrintable(stored.error().toString()));
        return *stored;
    }

    bool hasState(const QString &id)
    {
        RedisConnection redis(m_redis);
        auto value = redis.exists({cachekeys::entityStateKey(QStringLiteral("grades"), id)});
        return value && *value > 0;
    }

    std::optional<FeedStateRepository::State> feedState()
    {
        PgConnection connection(m_database->settings());
        auto state = FeedStateRepository(connection).get(QStringLiteral("grades"));
        if (!state)
            qFatal("feed state: %s", qPrintable(state.error().toString()));
        return *state;
    }

    ManualEpochClock m_clock{kFeedStartMs};
    std::shared_ptr<Script> m_script = std::make_shared<Script>();
    std::unique_ptr<FakeZoho> m_zoho;
    std::unique_ptr<ZohoService> m_service;
    std::unique_ptr<PgTestDatabase> m_database;
    RedisSettings m_redis;

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        m_zoho = std::make_unique<FakeZoho>();
        std::shared_ptr<Script> script = m_script;
        m_zoho->onApi([script](const FakeZoho::Request &request) {
            std::lock_guard lock(script->mutex);
            if (request.path == "/crm/v2/Grades/deleted") {
                if (request.param("type") != "all" || request.param("per_page") != "200")
                    return FakeZoho::json(400, j("{'code':'INVALID_DATA','message':'bad query','status':'error'}"));
                script->deletedSince.push_back(request.ifModifiedSince);
                if (script->deletedBody.empty())
                    return FakeZoho::json(request.ifModifiedSince.empty() ? 204 : 304, "");
                return FakeZoho::json(200, script->deletedBody);
            }
            if (request.path == "/crm/v2/Grades") {
                script->listSince.push_back(request.ifModifiedSince);
                // A record of its own on each page: an empty or repeated page would end the
                // listing before the token or the page budget does.
                const std::string record = j("{'id':'90000000000") + std::to_string(1000 + script->listSince.size())
                                           + j("','Modified_Time':'2030-01-01T00:00:00+00:00'}");
                if (script->endless)
                    return FakeZoho::json(200, j("{'data':[") + record
                                                   + j("],'info':{'more_records':true,'next_page_token':'same'}}"));
                if (script->endlessPages) {
                    const std::string token = "t" + std::to_string(script->listSince.size());
                    return FakeZoho::json(200, j("{'data':[") + record
                                                   + j("],'info':{'more_records':true,'next_page_token':'") + token + j("'}}"));
                }
                if (script->listBody.empty())
                    return FakeZoho::json(request.ifModifiedSince.empty() ? 204 : 304, "");
                return FakeZoho::json(200, script->listBody);
            }
            return FakeZoho::json(404, j("{'code':'INVALID_URL_PATTERN','message':'no','status':'error'}"));
        });
        m_service = std::make_unique<ZohoService>(m_zoho->settings(), fastOptions());
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("feeddeletions"));
        SYNC_VERIFY_OK(database);
        m_database = std::move(*database);
        PgConnection connection(m_database->settings());
        SYNC_VERIFY_OK(Migrator().migrate(connection));
        m_redis = profile.redis;
        m_redis.db = kRedisDb;
        SYNC_VERIFY_OK(flushRedisDb(m_redis));
    }

    void cleanupTestCase()
    {
        if (m_redis.db == kRedisDb)
            (void)flushRedisDb(m_redis);
        m_service.reset();
        m_zoho.reset();
    }

    void coldRunListsEverything()
    {
        {
            std::lock_guard lock(m_script->mutex);
            m_script->listBody = j("{'data':[") + record("1001", "2025-01-01T10:00:00+05:30", 90) + ","
                                 + record("1002", "2025-01-02T10:00:00+05:30", 80) + ","
                                 + record("1003", "2025-01-03T10:00:00+05:30", 70)
                                 + j("],'info':{'per_page':200,'count':3,'page':1,'more_records':false}}");
        }
        auto sync = orchestrator();
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.mode, QStringLiteral("full"));
        QCOMPARE(report->run.counters.synced, 3);
        QCOMPARE(report->run.counters.deleted, 0);
        QVERIFY(hasState(QStringLiteral("1002")));
        std::lock_guard lock(m_script->mutex);
        // The listing, then the catch-up: what changed since the run began, minus 300 s.
        QCOMPARE(m_script->listSince, (std::vector<std::string>{"", "2029-12-31T23:55:30+00:00"}));
        QCOMPARE(m_script->deletedSince, std::vector<std::string>{""});  // no deleted watermark yet: all of it
    }

    void theDeletedListMarksLiveRowsDeleted()
    {
        {
            std::lock_guard lock(m_script->mutex);
            m_script->listBody.clear();  // nothing modified: 304
            m_script->listSince.clear();
            m_script->deletedSince.clear();
            m_script->deletedBody =
                j("{'data':[{'id':'1002','type':'recycle','deleted_time':'2025-02-01T10:00:00+05:30'},")
                + j("{'id':'9999','type':'permanent','deleted_time':'2025-02-03T10:00:00+05:30'}],")
                + j("'info':{'per_page':200,'count':2,'page':1,'more_records':false}}");
        }
        m_clock.advance(300 * 1000);
        auto sync = orchestrator();
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.mode, QStringLiteral("incremental"));
        QCOMPARE(report->run.counters.fetched, 0);
        QCOMPARE(report->run.counters.deleted, 1);  // 9999 was never a row
        QCOMPARE(report->run.counters.zohoCalls, 2);

        QVERIFY(row(QStringLiteral("1002")).has_value());
        QVERIFY(row(QStringLiteral("1002"))->deletedAt.isValid());
        QVERIFY(!row(QStringLiteral("1001"))->deletedAt.isValid());
        QVERIFY(!row(QStringLiteral("9999")).has_value());
        QVERIFY(!hasState(QStringLiteral("1002")));
        QVERIFY(hasState(QStringLiteral("1001")));

        const auto state = feedState();
        QCOMPARE(state->deletedWatermark, QDateTime(QDate(2025, 2, 3), QTime(4, 30), Qt::UTC));
        QCOMPARE(state->modifiedWatermark, QDateTime(QDate(2025, 1, 3), QTime(4, 30), Qt::UTC));
        std::lock_guard lock(m_script->mutex);
        // Asked from the watermark minus the 300 s overlap.
        QCOMPARE(m_script->listSince, std::vector<std::string>{"2025-01-03T04:25:00+00:00"});
        QCOMPARE(m_script->deletedSince, std::vector<std::string>{""});
    }

    void theNextRunAsksFromTheDeletedWatermark()
    {
        {
            std::lock_guard lock(m_script->mutex);
            m_script->deletedBody.clear();  // nothing deleted since: 304
            m_script->listSince.clear();
            m_script->deletedSince.clear();
        }
        m_clock.advance(300 * 1000);
        auto sync = orchestrator();
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.deleted, 0);
        QCOMPARE(report->run.counters.zohoCalls, 2);
        std::lock_guard lock(m_script->mutex);
        QCOMPARE(m_script->deletedSince, std::vector<std::string>{"2025-02-03T04:25:00+00:00"});
    }

    // A record listed by the run is alive, whatever an older deletion says (restored
    // from the recycle bin); it comes back live.
    void aListedRecordIsNeverDeleted()
    {
        {
            std::lock_guard lock(m_script->mutex);
            m_script->listBody = j("{'data':[") + record("1002", "2025-02-05T10:00:00+05:30", 81)
                                 + j("],'info':{'per_page':200,'count':1,'page':1,'more_records':false}}");
            m_script->deletedBody =
                j("{'data':[{'id':'1002','type':'recycle','deleted_time':'2025-02-03T10:00:00+05:30'},")
                + j("{'id':'1003','type':'recycle','deleted_time':'2025-02-04T10:00:00+05:30'}],")
                + j("'info':{'per_page':200,'count':2,'page':1,'more_records':false}}");
        }
        m_clock.advance(300 * 1000);
        auto sync = orchestrator();
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Succeeded);
        QCOMPARE(report->run.counters.synced, 1);
        QCOMPARE(report->run.counters.deleted, 1);
        QVERIFY(!row(QStringLiteral("1002"))->deletedAt.isValid());
        QVERIFY(hasState(QStringLiteral("1002")));
        QVERIFY(row(QStringLiteral("1003"))->deletedAt.isValid());
        QVERIFY(!hasState(QStringLiteral("1003")));
    }

    // A server that hands out the same page token again would keep a run going forever.
    void aRepeatedPageTokenFailsTheRun()
    {
        const auto before = feedState();
        {
            std::lock_guard lock(m_script->mutex);
            m_script->endless = true;
            m_script->listSince.clear();
        }
        SyncOptions options;
        options.mode = SyncMode::Full;
        m_clock.advance(300 * 1000);
        auto sync = orchestrator(options);
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Failed);
        QVERIFY2(report->run.error.contains(QStringLiteral("twice")), qPrintable(report->run.error));
        QVERIFY(feedState()->dataAsOf == before->dataAsOf);  // a failed run vouches for nothing
        QVERIFY(!row(QStringLiteral("1001"))->deletedAt.isValid());  // and deletes nothing
        std::lock_guard lock(m_script->mutex);
        QVERIFY(m_script->listSince.size() <= 12);  // 10 numbered pages, then the token twice
        m_script->endless = false;
    }

    void aListingPastThePageBudgetFailsTheRun()
    {
        {
            std::lock_guard lock(m_script->mutex);
            m_script->endlessPages = true;
            m_script->listSince.clear();
        }
        SyncOptions options;
        options.mode = SyncMode::Full;
        options.maxPages = 15;
        auto sync = orchestrator(options);
        auto report = runOnWorker(*sync);
        SYNC_VERIFY_OK(report);
        QCOMPARE(report->run.status, SyncRunStatus::Failed);
        QVERIFY2(report->run.error.contains(QStringLiteral("did not end after 15 pages")), qPrintable(report->run.error));
        QVERIFY(!row(QStringLiteral("1001"))->deletedAt.isValid());
        std::lock_guard lock(m_script->mutex);
        QVERIFY(m_script->listSince.size() <= 16);  // 15 pages, at most one more already asked
        m_script->endlessPages = false;
    }
};

QTEST_GUILESS_MAIN(TestFeedDeletions)
#include "tst_feeddeletions.moc"
