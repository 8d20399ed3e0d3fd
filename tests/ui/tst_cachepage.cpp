#include "cache/cachepage.h"
#include "console/cacheadminworker.h"
#include "console/workerthreads.h"
#include "consoleharness.h"
#include "itemmodels/webhookeventmodel.h"
#include "recordingconfirmer.h"
#include "redis/redisconnection.h"
#include "scratchprofile.h"
#include "shell/mainwindow.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "store/webhookeventrepository.h"
#include "testsandbox.h"
#include "verifyok.h"
#include "warmseed.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QTest>
#include <QThread>

using namespace tiersync;

namespace {

// This test class's own Redis database: tests share the fixture's server.
constexpr int kDb = 55;
constexpr int kTimeoutMs = 60000;



bool storedCachingEnabled(const PgSettings &pg)
{
    PgConnection connection(pg);
    return SettingsRepository(connection).cachingEnabled().valueOr(true);
}

}  // namespace

class TestCachePage final : public QObject {
    Q_OBJECT

private:
    // Three students' snapshots of two endpoints, four products, two webhook deliveries.
    void seed(const PgSettings &pg)
    {
        PgConnection connection(pg);
        VERIFY_OK(test::seedWarmableRows(connection));
        WebhookEventRepository events(connection);
        WebhookEventRepository::Event applied;
        applied.idempotencyKey = QStringLiteral("crm:ch1:applied");
        applied.source = QStringLiteral("crm");
        applied.entityType = QStringLiteral("students");
        applied.entityId = QStringLiteral("4100000000000000003");
        VERIFY_OK(events.record(applied));
        VERIFY_OK(events.updateOutcome(applied.idempotencyKey, QStringLiteral("applied"),
                                       {QStringLiteral("tiersync:v1:ep:profile:3"),
                                        QStringLiteral("tiersync:v1:ep:academics:3")}));
        WebhookEventRepository::Event failed = applied;
        failed.idempotencyKey = QStringLiteral("books:item:failed");
        failed.source = QStringLiteral("books");
        failed.entityType = QStringLiteral("products");
        failed.entityId = QStringLiteral("460000000000001");
        VERIFY_OK(events.record(failed));
        VERIFY_OK(events.updateOutcome(failed.idempotencyKey, QStringLiteral("failed"), {},
                                       QStringLiteral("Zoho answered 500")));
    }

private Q_SLOTS:
    void warmInvalidateSwitchAndWebhooks()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("cachepage"), kDb);
        VERIFY_OK(scratch);
        const ConnectionProfile profile = (*scratch)->profile();
        RedisConnection redis(profile.redis);
        seed(profile.pg);
        if (QTest::currentTestFailed())
            return;

        test::ConsoleHarness console;
        test::RecordingConfirmer &confirmer = console.confirmer();
        ui::MainWindow &window = console.window();
        window.show();
        window.setProfile(profile);
        window.showPage(ui::MainWindow::Page::Cache);

        ui::CachePage *page = window.cachePage();
        QVERIFY(page);
        QCOMPARE(page->objectName(), QStringLiteral("cachePage"));
        auto *warmEndpoints = page->findChild<QPushButton *>(QStringLiteral("warmEndpointsButton"));
        auto *warmEntities = page->findChild<QPushButton *>(QStringLiteral("warmEntitiesButton"));
        auto *countKeys = page->findChild<QPushButton *>(QStringLiteral("countKeysButton"));
        auto *invalidate = page->findChild<QPushButton *>(QStringLiteral("invalidateKeysButton"));
        auto *cachingSwitch = window.findChild<QPushButton *>(QStringLiteral("cachingSwitchButton"));
        auto *cachingState = page->findChild<QLabel *>(QStringLiteral("cachingStateLabel"));
        auto *bar = page->findChild<QProgressBar *>(QStringLiteral("actionProgress"));
        auto *status = page->findChild<QLabel *>(QStringLiteral("actionStatus"));
        auto *events = page->findChild<QTableView *>(QStringLiteral("webhookEvents"));
        auto *eventDetail = page->findChild<QPlainTextEdit *>(QStringLiteral("webhookEventDetail"));
        QVERIFY(warmEndpoints && warmEntities && countKeys && invalidate && cachingSwitch && cachingState && bar
                && status && events && eventDetail);

        // Webhook deliveries, loaded off the GUI thread: outcomes and invalidated keys.
        WebhookEventModel *model = page->webhookEventModel();
        QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, kTimeoutMs);
        const int applied = model->rowOfEvent(QStringLiteral("crm:ch1:applied"));
        QVERIFY(applied >= 0);
        QCOMPARE(model->index(applied, WebhookEventModel::OutcomeColumn).data().toString(), QStringLiteral("applied"));
        QCOMPARE(model->index(applied, WebhookEventModel::InvalidatedColumn).data().toInt(), 2);
        events->selectRow(applied);
        QTRY_VERIFY(eventDetail->toPlainText().contains(QStringLiteral("tiersync:v1:ep:academics:3")));
        const int failed = model->rowOfEvent(QStringLiteral("books:item:failed"));
        QCOMPARE(model->index(failed, WebhookEventModel::ErrorColumn).data().toString(), QStringLiteral("Zoho answered 500"));

        // Warm every endpoint: the bar shows progress, the status the finished count.
        QStringList formats;
        connect(bar, &QProgressBar::valueChanged, this, [&] { formats.append(bar->format()); });
        QTRY_VERIFY(warmEndpoints->isEnabled());
        QVERIFY(page->selectWarmEndpoint(QString()));
        QTest::mouseClick(warmEndpoints, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("6 keys written")), kTimeoutMs);
        QVERIFY2(formats.contains(QStringLiteral("6 of 6 rows")), qPrintable(formats.join(QLatin1Char('|'))));
        QCOMPARE(bar->value(), bar->maximum());
        QVERIFY(bar->format().contains(QStringLiteral("6 keys written")));
        QCOMPARE(*redis.dbsize(), 6);

        // Warm one entity type.
        QVERIFY(page->selectWarmEntityType(QStringLiteral("products")));
        QVERIFY(!page->selectWarmEntityType(QStringLiteral("no-such-type")));
        QTRY_VERIFY(warmEntities->isEnabled());
        QTest::mouseClick(warmEntities, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("4 keys written")), kTimeoutMs);
        QCOMPARE(*redis.dbsize(), 10);

        // Invalidate an endpoint: the count first, nothing deleted until confirmed.
        QVERIFY(page->selectInvalidationTarget(CacheActionResult::Kind::InvalidateEndpoint, QStringLiteral("profile")));
        QVERIFY(!invalidate->isEnabled());
        QTRY_VERIFY(countKeys->isEnabled());
        QTest::mouseClick(countKeys, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("3 keys of endpoint profile in Redis (dry run")),
                                 kTimeoutMs);
        QCOMPARE(*redis.dbsize(), 10);
        QVERIFY(confirmer.questions.isEmpty());
        QTRY_VERIFY(invalidate->isEnabled());
        QCOMPARE(invalidate->text(), QStringLiteral("Delete 3 keys…"));
        confirmer.accept = false;
        QTest::mouseClick(invalidate, Qt::LeftButton);
        QCOMPARE(confirmer.questions.size(), 1);
        QVERIFY2(confirmer.questions.first().contains(QStringLiteral("3 keys")), qPrintable(confirmer.questions.first()));
        QCOMPARE(*redis.dbsize(), 10);
        confirmer.accept = true;
        QTest::mouseClick(invalidate, Qt::LeftButton);
        QCOMPARE(confirmer.questions.size(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("Deleted 3 keys of endpoint profile")), kTimeoutMs);
        QCOMPARE(*redis.dbsize(), 7);
        QVERIFY(!invalidate->isEnabled());  // a new count is needed for the next one

        // Invalidate an entity type.
        QVERIFY(page->selectInvalidationTarget(CacheActionResult::Kind::InvalidateEntityType, QStringLiteral("products")));
        QTRY_VERIFY(countKeys->isEnabled());
        QTest::mouseClick(countKeys, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(invalidate->isEnabled(), kTimeoutMs);
        QTest::mouseClick(invalidate, Qt::LeftButton);
        QVERIFY(confirmer.questions.last().contains(QStringLiteral("4 keys of entity type products")));
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("Deleted 4 keys")), kTimeoutMs);
        QCOMPARE(*redis.dbsize(), 3);

        // The caching switch: the confirmation explains the rollback, PostgreSQL holds the result.
        QTRY_VERIFY_WITH_TIMEOUT(cachingSwitch->isEnabled(), kTimeoutMs);
        QVERIFY(cachingState->text().contains(QStringLiteral("ON")));
        QTest::mouseClick(cachingSwitch, Qt::LeftButton);
        const QString question = confirmer.questions.last();
        QVERIFY2(question.contains(QStringLiteral("rollback")), qPrintable(question));
        QVERIFY(question.contains(QStringLiteral("every read goes to Zoho")));
        QVERIFY(question.contains(QStringLiteral("nothing is read from or written to Redis")));
        QTRY_VERIFY_WITH_TIMEOUT(!storedCachingEnabled(profile.pg), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(cachingState->text().contains(QStringLiteral("OFF")), kTimeoutMs);
        // Off: warming is refused in words.
        QTRY_VERIFY(warmEndpoints->isEnabled());
        QTest::mouseClick(warmEndpoints, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("Caching is off")), kTimeoutMs);
        QCOMPARE(*redis.dbsize(), 3);
        // And back on.
        QTRY_VERIFY(cachingSwitch->isEnabled());
        QTest::mouseClick(cachingSwitch, Qt::LeftButton);
        QVERIFY(confirmer.questions.last().contains(QStringLiteral("back on")));
        QTRY_VERIFY_WITH_TIMEOUT(storedCachingEnabled(profile.pg), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(cachingState->text().contains(QStringLiteral("ON")), kTimeoutMs);
    }

    void cancelStopsAWarm()
    {
        TIERSYNC_REQUIRE_SANDBOX(sandbox);
        auto scratch = test::ScratchProfile::create(sandbox, QStringLiteral("cachecancel"), kDb);
        VERIFY_OK(scratch);
        const ConnectionProfile profile = (*scratch)->profile();
        RedisConnection redis(profile.redis);
        seed(profile.pg);
        if (QTest::currentTestFailed())
            return;

        test::RecordingConfirmer confirmer;
        WorkerThreads threads;
        auto *actions = new CacheAdminWorker;
        threads.adopt(actions, QStringLiteral("cache"));
        ui::CachePage page(actions, nullptr, &confirmer);
        page.show();
        page.setProfile(profile);
        auto *warmEndpoints = page.findChild<QPushButton *>(QStringLiteral("warmEndpointsButton"));
        auto *cancel = page.findChild<QPushButton *>(QStringLiteral("cancelActionButton"));
        auto *status = page.findChild<QLabel *>(QStringLiteral("actionStatus"));
        auto *bar = page.findChild<QProgressBar *>(QStringLiteral("actionProgress"));
        QVERIFY(!cancel->isEnabled());
        // Block the worker's thread so the cancel lands before the warm begins.
        QMetaObject::invokeMethod(actions, [] { QThread::msleep(300); }, Qt::QueuedConnection);
        QTest::mouseClick(warmEndpoints, Qt::LeftButton);
        QVERIFY(cancel->isEnabled());
        QVERIFY(!warmEndpoints->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("Cancelled")), kTimeoutMs);
        QCOMPARE(bar->format(), QStringLiteral("Cancelled"));
        QCOMPARE(*redis.dbsize(), 0);
        QVERIFY(warmEndpoints->isEnabled());
        QVERIFY(!cancel->isEnabled());
    }
};

QTEST_MAIN(TestCachePage)
#include "tst_cachepage.moc"
