// The Cache page against a fake CacheAdminService, in the main window as the console
// composes it: no servers, no wall clock (the lists' poll is driven by the test, the
// answers are the test's). What the engine does (keys written and deleted, the switch
// stored, errors naming their server) is tested on the real servers by
// tst_cacheadminservice, the whole console by tst_consolefaults and tst_mainwindow.
#include "cache/cachepage.h"
#include "common/pagepoller.h"
#include "console/cacheadminservice.h"
#include "itemmodels/webhookeventmodel.h"
#include "pageconsole.h"
#include "shell/mainwindow.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QTest>
#include <QTimer>

using namespace tiersync;

namespace {

// Records every call; the test answers with the signals, as the engine's would arrive.
class FakeCacheAdminService final : public CacheAdminService {
public:
    struct Action {
        quint64 request = 0;
        CacheActionResult::Kind kind = CacheActionResult::Kind::WarmEndpoints;
        QString target;
        bool dryRun = false;
    };
    int profiles = 0;
    int cachingLoads = 0;
    int eventLoads = 0;
    QList<bool> cachingSets;
    QList<Action> actions;
    QList<quint64> cancels;

    void setProfile(const ConnectionProfile &) override { ++profiles; }
    quint64 warmEntities(const QString &entityType) override
    {
        return record(CacheActionResult::Kind::WarmEntities, entityType, false);
    }
    quint64 warmEndpoints(const QString &endpoint) override
    {
        return record(CacheActionResult::Kind::WarmEndpoints, endpoint, false);
    }
    quint64 invalidateEndpoint(const QString &endpoint, bool dryRun) override
    {
        return record(CacheActionResult::Kind::InvalidateEndpoint, endpoint, dryRun);
    }
    quint64 invalidateEntityType(const QString &entityType, bool dryRun) override
    {
        return record(CacheActionResult::Kind::InvalidateEntityType, entityType, dryRun);
    }
    void cancel(quint64 request) override { cancels.append(request); }
    void loadCaching() override { ++cachingLoads; }
    void setCachingEnabled(bool enabled) override { cachingSets.append(enabled); }
    void loadWebhookEvents(int limit) override
    {
        QCOMPARE(limit, ui::CachePage::kWebhookEventLimit);
        ++eventLoads;
    }

    // Answers the last action: finished with these counts.
    void finish(qint64 keys, qint64 rows = 0, bool cancelled = false)
    {
        const Action &action = actions.last();
        CacheActionResult result;
        result.requestId = action.request;
        result.kind = action.kind;
        result.target = action.target;
        result.dryRun = action.dryRun;
        result.cancelled = cancelled;
        result.keys = keys;
        result.rows = rows;
        result.durationMs = 1500;
        Q_EMIT actionFinished(result);
    }
    void fail(const ServiceError &error)
    {
        const Action &action = actions.last();
        const bool warm = action.kind == CacheActionResult::Kind::WarmEntities
                          || action.kind == CacheActionResult::Kind::WarmEndpoints;
        Q_EMIT failed(warm ? Request::Warm : Request::Invalidate, action.request, error);
    }
    // The non-dry invalidations asked for: the only calls that delete keys.
    [[nodiscard]] int deletions() const
    {
        int count = 0;
        for (const Action &action : actions)
            count += !action.dryRun && (action.kind == CacheActionResult::Kind::InvalidateEndpoint
                                        || action.kind == CacheActionResult::Kind::InvalidateEntityType);
        return count;
    }

private:
    quint64 record(CacheActionResult::Kind kind, const QString &target, bool dryRun)
    {
        actions.append({quint64(actions.size() + 1) * 10, kind, target, dryRun});  // any number but 0
        return actions.last().request;
    }
};

const QDateTime kReceived = QDateTime::fromString(QStringLiteral("2026-12-07T12:00:00Z"), Qt::ISODate);

// Two deliveries as the webhook processor records them: one that changed a student (two
// keys invalidated), one whose Zoho fetch failed.
QList<WebhookEventRepository::Event> deliveries()
{
    WebhookEventRepository::Event processed;
    processed.idempotencyKey = QStringLiteral("crm:ch1:processed");
    processed.receivedAt = kReceived;
    processed.source = QStringLiteral("crm");
    processed.entityType = QStringLiteral("students");
    processed.entityId = QStringLiteral("4100000000000000003");
    processed.outcome = WebhookOutcome::Processed;
    processed.invalidatedKeys = {QStringLiteral("tiersync:v1:ep:profile:3"), QStringLiteral("tiersync:v1:ep:academics:3")};
    WebhookEventRepository::Event failed;
    failed.idempotencyKey = QStringLiteral("books:item:failed");
    failed.receivedAt = kReceived.addSecs(-60);
    failed.source = QStringLiteral("books");
    failed.entityType = QStringLiteral("products");
    failed.entityId = QStringLiteral("460000000000001");
    failed.outcome = WebhookOutcome::Failed;
    failed.error = QStringLiteral("Zoho answered 500");
    return {processed, failed};
}

CachingState caching(bool enabled)
{
    CachingState state;
    state.enabled = enabled;
    state.updatedAt = kReceived;
    state.updatedBy = QStringLiteral("console:admin@host");
    return state;
}

ServiceError serverError(ConnectionCheck::Service service)
{
    return {service, makeError(ErrorKind::Unavailable, QStringLiteral("connection refused"))};
}

// The main window as the console composes it, with the fake as its only engine service.
struct Console {
    FakeCacheAdminService service;
    test::PageConsole shell;
    ui::MainWindow *window;
    test::RecordingConfirmer &confirmer = shell.confirmer();

    Console() : window(&shell.build(services()))
    {
        // The test drives the lists' poll itself (PagePoller::poll), never the clock.
        timer()->setInterval(24 * 3600 * 1000);
    }
    ui::ConsoleContext services()
    {
        ui::ConsoleContext context;
        context.cacheAdmin = &service;
        return context;
    }
    ui::CachePage *page() const { return window->cachePage(); }
    ui::PagePoller *poller() const { return page()->findChild<ui::PagePoller *>(QStringLiteral("cachePoller")); }
    QTimer *timer() const { return window->findChild<QTimer *>(QStringLiteral("cacheRefreshTimer")); }
    template <typename T>
    T *find(const char *name) const
    {
        return page()->findChild<T *>(QLatin1String(name));
    }
    QString text(const char *label) const { return find<QLabel>(label)->text(); }

    // Shown on the Cache page with a profile: the switch and the events are asked for.
    void open()
    {
        shell.open(ui::MainWindow::Page::Cache);
        QCOMPARE(service.profiles, 1);
        QCOMPARE(service.cachingLoads, 1);
        QCOMPARE(service.eventLoads, 1);
    }
    // Answers the poll in flight, as the service does: the switch, then the events.
    void answerLists(bool cachingEnabled, const QList<WebhookEventRepository::Event> &events = deliveries())
    {
        Q_EMIT service.cachingLoaded(caching(cachingEnabled));
        Q_EMIT service.webhookEventsLoaded(events);
    }
};

}  // namespace

class TestCachePage final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void warmInvalidateSwitchAndWebhooks()
    {
        Console console;
        console.open();
        FakeCacheAdminService &service = console.service;
        test::RecordingConfirmer &confirmer = console.confirmer;

        ui::CachePage *page = console.page();
        QVERIFY(page);
        QCOMPARE(page->objectName(), QStringLiteral("cachePage"));
        auto *warmEndpoints = console.find<QPushButton>("warmEndpointsButton");
        auto *warmEntities = console.find<QPushButton>("warmEntitiesButton");
        auto *countKeys = console.find<QPushButton>("countKeysButton");
        auto *invalidate = console.find<QPushButton>("invalidateKeysButton");
        auto *cachingSwitch = console.window->findChild<QPushButton *>(QStringLiteral("cachingSwitchButton"));
        auto *cachingState = console.find<QLabel>("cachingStateLabel");
        auto *bar = console.find<QProgressBar>("actionProgress");
        auto *status = console.find<QLabel>("actionStatus");
        auto *events = console.find<QTableView>("webhookEvents");
        auto *eventDetail = console.find<QPlainTextEdit>("webhookEventDetail");
        QVERIFY(warmEndpoints && warmEntities && countKeys && invalidate && cachingSwitch && cachingState && bar
                && status && events && eventDetail);
        QVERIFY(!cachingSwitch->isEnabled());  // until the switch's state is known

        // Webhook deliveries: outcomes and invalidated keys.
        WebhookEventModel *model = page->webhookEventModel();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        console.answerLists(true);
        QCOMPARE(model->rowCount(), 2);
        QCOMPARE(console.text("webhookEventsStatus"), QStringLiteral("2 deliveries, newest first."));
        const int processed = model->rowOfEvent(QStringLiteral("crm:ch1:processed"));
        QVERIFY(processed >= 0);
        QCOMPARE(model->index(processed, WebhookEventModel::OutcomeColumn).data().toString(), QStringLiteral("processed"));
        QCOMPARE(model->index(processed, WebhookEventModel::InvalidatedColumn).data().toInt(), 2);
        events->selectRow(processed);
        QVERIFY(eventDetail->toPlainText().contains(QStringLiteral("tiersync:v1:ep:academics:3")));
        QVERIFY2(eventDetail->toPlainText().contains(QStringLiteral("crm students 4100000000000000003 — processed")),
                 qPrintable(eventDetail->toPlainText()));
        const int failed = model->rowOfEvent(QStringLiteral("books:item:failed"));
        QCOMPARE(model->index(failed, WebhookEventModel::ErrorColumn).data().toString(), QStringLiteral("Zoho answered 500"));
        QCOMPARE(model->index(failed, WebhookEventModel::OutcomeColumn).data().toString(), QStringLiteral("failed"));

        // Warm every endpoint: the bar shows progress, the status the finished count.
        QStringList formats;
        connect(bar, &QProgressBar::valueChanged, this, [&] { formats.append(bar->format()); });
        QVERIFY(warmEndpoints->isEnabled());
        QVERIFY(page->selectWarmEndpoint(QString()));
        QTest::mouseClick(warmEndpoints, Qt::LeftButton);
        QCOMPARE(service.actions.size(), 1);
        QVERIFY(service.actions.last().kind == CacheActionResult::Kind::WarmEndpoints);
        QCOMPARE(service.actions.last().target, QString());  // every endpoint
        QVERIFY(!warmEndpoints->isEnabled() && !warmEntities->isEnabled() && !countKeys->isEnabled());
        Q_EMIT service.actionProgress(service.actions.last().request, 3, 6);
        Q_EMIT service.actionProgress(service.actions.last().request, 6, 6);
        service.finish(6, 6);
        QVERIFY(status->text().contains(QStringLiteral("6 keys written")));
        QVERIFY2(formats.contains(QStringLiteral("6 of 6 rows")), qPrintable(formats.join(QLatin1Char('|'))));
        QCOMPARE(bar->value(), bar->maximum());
        QVERIFY(bar->format().contains(QStringLiteral("6 keys written")));
        QVERIFY2(status->text().contains(QStringLiteral("Warmed every endpoint: 6 keys written to Redis from 6 rows in 1.5 s.")),
                 qPrintable(status->text()));
        if (const QByteArray shot = qgetenv("TIERSYNC_CACHE_SHOT"); !shot.isEmpty())
            QVERIFY(console.window->grab().save(QString::fromLocal8Bit(shot)));

        // Warm one entity type.
        QVERIFY(page->selectWarmEntityType(QStringLiteral("products")));
        QVERIFY(!page->selectWarmEntityType(QStringLiteral("no-such-type")));
        QVERIFY(warmEntities->isEnabled());
        QTest::mouseClick(warmEntities, Qt::LeftButton);
        QVERIFY(service.actions.last().kind == CacheActionResult::Kind::WarmEntities);
        QCOMPARE(service.actions.last().target, QStringLiteral("products"));
        service.finish(4, 4);
        QVERIFY(status->text().contains(QStringLiteral("4 keys written")));

        // Invalidate an endpoint: the count first, nothing deleted until confirmed.
        QVERIFY(page->selectInvalidationTarget(CacheActionResult::Kind::InvalidateEndpoint, QStringLiteral("profile")));
        QVERIFY(!invalidate->isEnabled());
        QVERIFY(countKeys->isEnabled());
        QTest::mouseClick(countKeys, Qt::LeftButton);
        QVERIFY(service.actions.last().kind == CacheActionResult::Kind::InvalidateEndpoint);
        QCOMPARE(service.actions.last().target, QStringLiteral("profile"));
        QVERIFY(service.actions.last().dryRun);
        service.finish(3);
        QVERIFY2(status->text().contains(QStringLiteral("3 keys of endpoint profile in Redis (dry run")),
                 qPrintable(status->text()));
        QCOMPARE(service.deletions(), 0);
        QVERIFY(confirmer.questions.isEmpty());
        QVERIFY(invalidate->isEnabled());
        QCOMPARE(invalidate->text(), QStringLiteral("Delete 3 keys…"));
        confirmer.accept = false;
        QTest::mouseClick(invalidate, Qt::LeftButton);
        QCOMPARE(confirmer.questions.size(), 1);
        QVERIFY2(confirmer.questions.first().contains(QStringLiteral("3 keys")), qPrintable(confirmer.questions.first()));
        QCOMPARE(service.deletions(), 0);
        QVERIFY(status->text().contains(QStringLiteral("nothing was deleted")));
        confirmer.accept = true;
        QTest::mouseClick(invalidate, Qt::LeftButton);
        QCOMPARE(confirmer.questions.size(), 2);
        QCOMPARE(service.deletions(), 1);
        QVERIFY(service.actions.last().kind == CacheActionResult::Kind::InvalidateEndpoint);
        QCOMPARE(service.actions.last().target, QStringLiteral("profile"));
        service.finish(3);
        QVERIFY(status->text().contains(QStringLiteral("Deleted 3 keys of endpoint profile")));
        QVERIFY(!invalidate->isEnabled());  // a new count is needed for the next one

        // Invalidate an entity type.
        QVERIFY(page->selectInvalidationTarget(CacheActionResult::Kind::InvalidateEntityType, QStringLiteral("products")));
        QVERIFY(countKeys->isEnabled());
        QTest::mouseClick(countKeys, Qt::LeftButton);
        service.finish(4);
        QVERIFY(invalidate->isEnabled());
        QTest::mouseClick(invalidate, Qt::LeftButton);
        QVERIFY(confirmer.questions.last().contains(QStringLiteral("4 keys of entity type products")));
        QCOMPARE(service.deletions(), 2);
        QVERIFY(service.actions.last().kind == CacheActionResult::Kind::InvalidateEntityType);
        QCOMPARE(service.actions.last().target, QStringLiteral("products"));
        service.finish(4);
        QVERIFY(status->text().contains(QStringLiteral("Deleted 4 keys")));

        // The caching switch: the confirmation explains the rollback, the service is asked to store it.
        QVERIFY(cachingSwitch->isEnabled());
        QVERIFY(cachingState->text().contains(QStringLiteral("ON")));
        QVERIFY2(console.text("cachingDetailLabel").contains(QStringLiteral("Set by console:admin@host")),
                 qPrintable(console.text("cachingDetailLabel")));
        QTest::mouseClick(cachingSwitch, Qt::LeftButton);
        const QString question = confirmer.questions.last();
        QVERIFY2(question.contains(QStringLiteral("rollback")), qPrintable(question));
        QVERIFY(question.contains(QStringLiteral("every read goes to Zoho")));
        QVERIFY(question.contains(QStringLiteral("nothing is read from or written to Redis")));
        QCOMPARE(service.cachingSets, QList<bool>{false});
        QVERIFY(!cachingSwitch->isEnabled());  // until the flip is answered
        // A poll meanwhile leaves the switch to the flip's own answer.
        const int loadsBefore = service.cachingLoads;
        console.poller()->poll();
        QCOMPARE(service.cachingLoads, loadsBefore);
        QCOMPARE(service.eventLoads, 2);
        Q_EMIT service.cachingLoaded(caching(false));
        QVERIFY(cachingState->text().contains(QStringLiteral("OFF")));
        // Off: warming is refused in words.
        QVERIFY(warmEndpoints->isEnabled());
        QTest::mouseClick(warmEndpoints, Qt::LeftButton);
        const int actions = int(service.actions.size());
        service.fail({std::nullopt, makeError(ErrorKind::Conflict, QStringLiteral("Caching is off, and while it is "
                                                                                  "off nothing may be written to Redis."))});
        QVERIFY2(status->text().contains(QStringLiteral("Caching is off")), qPrintable(status->text()));
        QCOMPARE(bar->format(), QStringLiteral("Failed"));
        QCOMPARE(service.actions.size(), actions);
        // And back on.
        QVERIFY(cachingSwitch->isEnabled());
        QTest::mouseClick(cachingSwitch, Qt::LeftButton);
        QVERIFY(confirmer.questions.last().contains(QStringLiteral("back on")));
        QCOMPARE(service.cachingSets, (QList<bool>{false, true}));
        Q_EMIT service.cachingLoaded(caching(true));
        QVERIFY(cachingState->text().contains(QStringLiteral("ON")));
        QVERIFY(cachingSwitch->isEnabled());
    }

    void cancelStopsAWarm()
    {
        Console console;
        console.open();
        console.answerLists(true);
        FakeCacheAdminService &service = console.service;
        auto *warmEndpoints = console.find<QPushButton>("warmEndpointsButton");
        auto *cancel = console.find<QPushButton>("cancelActionButton");
        auto *status = console.find<QLabel>("actionStatus");
        auto *bar = console.find<QProgressBar>("actionProgress");
        QVERIFY(!cancel->isEnabled());
        QTest::mouseClick(warmEndpoints, Qt::LeftButton);
        QVERIFY(cancel->isEnabled());
        QVERIFY(!warmEndpoints->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(service.cancels, QList<quint64>{service.actions.last().request});
        QVERIFY(!cancel->isEnabled());
        QVERIFY(status->text().contains(QStringLiteral("Cancelling")));
        service.finish(0, 0, true);
        QVERIFY2(status->text().contains(QStringLiteral("Cancelled")), qPrintable(status->text()));
        QVERIFY(status->text().contains(QStringLiteral("the keys written so far stay")));
        QCOMPARE(bar->format(), QStringLiteral("Cancelled"));
        QCOMPARE(bar->value(), 0);
        QVERIFY(warmEndpoints->isEnabled());
        QVERIFY(!cancel->isEnabled());
        // An invalidation cannot be cancelled once asked for.
        QTest::mouseClick(console.find<QPushButton>("countKeysButton"), Qt::LeftButton);
        QVERIFY(!cancel->isEnabled());
    }

    // What the service says went wrong is shown with the server it names; an answer for
    // an action the page no longer waits for changes nothing.
    void failuresNameTheServer()
    {
        Console console;
        console.open();
        console.answerLists(true);
        FakeCacheAdminService &service = console.service;
        auto *warmEntities = console.find<QPushButton>("warmEntitiesButton");
        auto *cachingSwitch = console.find<QPushButton>("cachingSwitchButton");
        QVERIFY(console.page()->selectWarmEntityType(QStringLiteral("products")));
        QTest::mouseClick(warmEntities, Qt::LeftButton);
        const quint64 request = service.actions.last().request;
        service.fail(serverError(ConnectionCheck::Service::Redis));
        const QString ended = console.text("actionStatus");
        QVERIFY2(ended.contains(QStringLiteral("Warming entity type products did not finish"))
                     && ended.contains(QStringLiteral("Cannot reach Redis")),
                 qPrintable(ended));
        QVERIFY(warmEntities->isEnabled());
        QVERIFY(!console.find<QPushButton>("cancelActionButton")->isEnabled());
        // Late answers of that request are not this page's business any more.
        Q_EMIT service.actionProgress(request, 1, 4);
        Q_EMIT service.failed(CacheAdminService::Request::Warm, request, serverError(ConnectionCheck::Service::Postgres));
        QCOMPARE(console.text("actionStatus"), ended);

        // The switch and the events, PostgreSQL gone.
        console.poller()->poll();
        QCOMPARE(service.cachingLoads, 2);
        Q_EMIT service.failed(CacheAdminService::Request::LoadCaching, 0, serverError(ConnectionCheck::Service::Postgres));
        Q_EMIT service.failed(CacheAdminService::Request::LoadWebhookEvents, 0,
                              serverError(ConnectionCheck::Service::Postgres));
        QVERIFY2(console.text("cachingDetailLabel").contains(QStringLiteral("Could not read"))
                     && console.text("cachingDetailLabel").contains(QStringLiteral("Cannot reach PostgreSQL")),
                 qPrintable(console.text("cachingDetailLabel")));
        QVERIFY(!console.text("cachingStateLabel").contains(QStringLiteral("ON")));
        QVERIFY(!cachingSwitch->isEnabled());
        QVERIFY2(console.text("webhookEventsStatus").contains(QStringLiteral("Could not load the webhook events"))
                     && console.text("webhookEventsStatus").contains(QStringLiteral("Cannot reach PostgreSQL")),
                 qPrintable(console.text("webhookEventsStatus")));
        QCOMPARE(console.page()->webhookEventModel()->rowCount(), 2);  // what was loaded stays on screen

        // Back: a flip that fails says the switch was not changed.
        console.poller()->poll();
        console.answerLists(true);
        QVERIFY(cachingSwitch->isEnabled());
        QTest::mouseClick(cachingSwitch, Qt::LeftButton);
        Q_EMIT service.failed(CacheAdminService::Request::SetCaching, 0, serverError(ConnectionCheck::Service::Postgres));
        QVERIFY2(console.text("cachingDetailLabel").contains(QStringLiteral("The switch was not changed")),
                 qPrintable(console.text("cachingDetailLabel")));
        QVERIFY(!cachingSwitch->isEnabled());
    }

    // The switch and the events are asked for only while the page shows, one poll at a time.
    void listsPollOnlyWhileShown()
    {
        Console console;
        console.open();
        FakeCacheAdminService &service = console.service;
        QVERIFY(console.timer()->isActive());
        console.poller()->poll();  // one in flight already
        console.page()->refresh();
        QCOMPARE(service.eventLoads, 1);
        console.answerLists(true);
        console.page()->refresh();  // the Refresh button
        QCOMPARE(service.eventLoads, 2);
        QCOMPARE(service.cachingLoads, 2);
        console.answerLists(true);
        console.window->showPage(ui::MainWindow::Page::Keys);
        QVERIFY(!console.timer()->isActive());
        console.poller()->poll();
        QCOMPARE(service.eventLoads, 2);
        console.window->showPage(ui::MainWindow::Page::Cache);  // shown again: one poll at once
        QVERIFY(console.timer()->isActive());
        QCOMPARE(service.eventLoads, 3);
        QCOMPARE(service.cachingLoads, 3);
    }

    // A window built without the service (tests of other pages) shows the page disabled.
    void withoutAServiceThePageIsIdle()
    {
        test::RecordingConfirmer confirmer;
        ui::CachePage page(nullptr, &confirmer);
        page.show();
        page.setProfile(ConnectionProfile{});
        QVERIFY(!page.isEnabled());
        QVERIFY(!page.findChild<QTimer *>(QStringLiteral("cacheRefreshTimer"))->isActive());
    }
};

QTEST_MAIN(TestCachePage)
#include "tst_cachepage.moc"
