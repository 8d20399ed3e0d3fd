// tiersync.feed_state through FeedStateRepository: a first success creates the row, later
// ones only move its times forward, a watermark past the run's start is refused.
#include "pgtestdatabase.h"
#include "testsandbox.h"

#include "store/feedstaterepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"

#include <QTest>

#include <memory>

using namespace tiersync;
using tiersync::test::PgTestDatabase;

namespace {

#define VERIFY_OK(expression)                                                                   \
    do {                                                                                        \
        const auto &verified = (expression);                                                    \
        QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().toString())); \
    } while (false)

QDateTime at(int hour, int minute = 0, int second = 0)
{
    return QDateTime(QDate(2026, 3, 1), QTime(hour, minute, second, 250), Qt::UTC);
}

}  // namespace

class TestFeedState final : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        TIERSYNC_REQUIRE_SANDBOX(profile);
        auto database = PgTestDatabase::create(profile.pg, QStringLiteral("feedstate"));
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

    void unknownFeedHasNoState()
    {
        FeedStateRepository feeds(*m_connection);
        auto state = feeds.get(QStringLiteral("nothing"));
        VERIFY_OK(state);
        QVERIFY(!state->has_value());
    }

    void successesOnlyMoveForward()
    {
        FeedStateRepository feeds(*m_connection);
        FeedStateRepository::Success cold;
        cold.entityType = QStringLiteral("grades");
        cold.runId = 11;
        cold.startedAt = at(10);
        cold.finishedAt = at(10, 2);
        cold.full = true;
        cold.modifiedWatermark = at(9, 59);
        cold.deletedWatermark = {};
        VERIFY_OK(feeds.recordSuccess(cold));
        auto state = feeds.get(QStringLiteral("grades"));
        VERIFY_OK(state);
        QVERIFY(state->has_value());
        QCOMPARE((*state)->entityType, QStringLiteral("grades"));
        QCOMPARE((*state)->modifiedWatermark, at(9, 59));
        QVERIFY(!(*state)->deletedWatermark.isValid());
        QCOMPARE((*state)->dataAsOf, at(10));
        QCOMPARE((*state)->lastFullAt, at(10));
        QCOMPARE((*state)->lastSuccessAt, at(10, 2));
        QCOMPARE((*state)->lastRunId, 11);
        QVERIFY((*state)->updatedAt.isValid());

        // An incremental run that saw nothing new keeps the watermarks and the last full.
        FeedStateRepository::Success quiet;
        quiet.entityType = QStringLiteral("grades");
        quiet.runId = 12;
        quiet.startedAt = at(10, 5);
        quiet.finishedAt = at(10, 5, 3);
        quiet.deletedWatermark = at(10, 1);
        VERIFY_OK(feeds.recordSuccess(quiet));
        state = feeds.get(QStringLiteral("grades"));
        VERIFY_OK(state);
        QCOMPARE((*state)->modifiedWatermark, at(9, 59));
        QCOMPARE((*state)->deletedWatermark, at(10, 1));
        QCOMPARE((*state)->dataAsOf, at(10, 5));
        QCOMPARE((*state)->lastFullAt, at(10));
        QCOMPARE((*state)->lastRunId, 12);

        // A late report of an older run takes nothing back.
        FeedStateRepository::Success late;
        late.entityType = QStringLiteral("grades");
        late.runId = 10;
        late.startedAt = at(9, 30);
        late.finishedAt = at(9, 31);
        late.full = true;
        late.modifiedWatermark = at(9, 20);
        late.deletedWatermark = at(9, 20);
        VERIFY_OK(feeds.recordSuccess(late));
        state = feeds.get(QStringLiteral("grades"));
        VERIFY_OK(state);
        QCOMPARE((*state)->modifiedWatermark, at(9, 59));
        QCOMPARE((*state)->deletedWatermark, at(10, 1));
        QCOMPARE((*state)->dataAsOf, at(10, 5));
        QCOMPARE((*state)->lastSuccessAt, at(10, 5, 3));
        QCOMPARE((*state)->lastFullAt, at(10));
        QCOMPARE((*state)->lastRunId, 12);
    }

    void aWatermarkPastTheRunsStartIsRefused()
    {
        FeedStateRepository feeds(*m_connection);
        FeedStateRepository::Success bad;
        bad.entityType = QStringLiteral("payments");
        bad.startedAt = at(12);
        bad.finishedAt = at(12, 1);
        bad.modifiedWatermark = at(12, 0, 1);
        Status refused = feeds.recordSuccess(bad);
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().kind, ErrorKind::InvalidArgument);
        bad.modifiedWatermark = {};
        bad.deletedWatermark = at(13);
        QVERIFY(!feeds.recordSuccess(bad).ok());
        bad.deletedWatermark = {};
        bad.startedAt = {};
        QVERIFY(!feeds.recordSuccess(bad).ok());
        auto state = feeds.get(QStringLiteral("payments"));
        VERIFY_OK(state);
        QVERIFY(!state->has_value());
    }

    void listGivesEveryFeed()
    {
        FeedStateRepository feeds(*m_connection);
        FeedStateRepository::Success classes;
        classes.entityType = QStringLiteral("classes");
        classes.startedAt = at(11);
        classes.finishedAt = at(11, 1);
        VERIFY_OK(feeds.recordSuccess(classes));
        auto all = feeds.list();
        VERIFY_OK(all);
        QCOMPARE(all->size(), 2);
        QCOMPARE(all->at(0).entityType, QStringLiteral("classes"));
        QCOMPARE(all->at(0).lastRunId, 0);
        QCOMPARE(all->at(0).dataAsOf, at(11));
        QCOMPARE(all->at(1).entityType, QStringLiteral("grades"));
    }

private:
    std::unique_ptr<PgTestDatabase> m_database;
    std::unique_ptr<PgConnection> m_connection;
};

QTEST_GUILESS_MAIN(TestFeedState)
#include "tst_feedstate.moc"
