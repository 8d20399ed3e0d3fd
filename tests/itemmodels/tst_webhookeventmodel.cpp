#include "itemmodels/webhookeventmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace tiersync;

namespace {

WebhookEventRepository::Event webhookEvent(const QString &key, WebhookOutcome outcome, const QStringList &keys = {},
                                    const QString &error = {})
{
    WebhookEventRepository::Event out;
    out.idempotencyKey = key;
    out.receivedAt = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
    out.source = QStringLiteral("crm");
    out.entityType = QStringLiteral("students");
    out.entityId = QStringLiteral("4100000000000000003");
    out.outcome = outcome;
    out.invalidatedKeys = keys;
    out.error = error;
    return out;
}

}  // namespace

class TestWebhookEventModel final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsEventsWithOutcomesAndKeys()
    {
        WebhookEventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), int(WebhookEventModel::ColumnCount));
        const QStringList keys{QStringLiteral("tiersync:v1:ep:profile:3"), QStringLiteral("tiersync:v1:ep:grades:3")};
        model.setEvents({webhookEvent(QStringLiteral("b"), WebhookOutcome::Processed, keys),
                         webhookEvent(QStringLiteral("a"), WebhookOutcome::Failed, {}, QStringLiteral("Zoho answered 500"))});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.data(model.index(0, WebhookEventModel::OutcomeColumn)).toString(), QStringLiteral("processed"));
        QCOMPARE(model.data(model.index(0, WebhookEventModel::InvalidatedColumn)).toInt(), 2);
        QCOMPARE(model.data(model.index(0, 0), WebhookEventModel::InvalidatedKeysRole).toStringList(), keys);
        QVERIFY(model.data(model.index(0, WebhookEventModel::InvalidatedColumn), Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("tiersync:v1:ep:grades:3")));
        QCOMPARE(model.data(model.index(1, WebhookEventModel::ErrorColumn)).toString(), QStringLiteral("Zoho answered 500"));
        QCOMPARE(model.data(model.index(1, WebhookEventModel::InvalidatedColumn)).toInt(), 0);
        QCOMPARE(model.data(model.index(1, 0), WebhookEventModel::IdempotencyKeyRole).toString(), QStringLiteral("a"));
        QCOMPARE(model.data(model.index(1, 0), WebhookEventModel::OutcomeRole).value<WebhookOutcome>(), WebhookOutcome::Failed);
        QCOMPARE(model.data(model.index(1, WebhookEventModel::OutcomeColumn)).toString(), QStringLiteral("failed"));
        QCOMPARE(model.data(model.index(0, WebhookEventModel::SourceColumn)).toString(), QStringLiteral("crm"));
        QCOMPARE(model.data(model.index(0, WebhookEventModel::EntityIdColumn)).toString(),
                 QStringLiteral("4100000000000000003"));
        QVERIFY(!model.data(model.index(0, WebhookEventModel::ReceivedColumn)).toString().isEmpty());
        QCOMPARE(model.headerData(WebhookEventModel::OutcomeColumn, Qt::Horizontal).toString(), QStringLiteral("Outcome"));
        QCOMPARE(model.rowOfEvent(QStringLiteral("a")), 1);
        QCOMPARE(model.rowOfEvent(QStringLiteral("zzz")), -1);
        QCOMPARE(model.eventAt(0).idempotencyKey, QStringLiteral("b"));
    }

    void sameEventsUpdateInPlace()
    {
        WebhookEventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEvents({webhookEvent(QStringLiteral("b"), WebhookOutcome::Received), webhookEvent(QStringLiteral("a"), WebhookOutcome::Processed)});
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setEvents({webhookEvent(QStringLiteral("b"), WebhookOutcome::Unchanged), webhookEvent(QStringLiteral("a"), WebhookOutcome::Processed)});
        QCOMPARE(reset.size(), 0);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.data(model.index(0, WebhookEventModel::OutcomeColumn)).toString(), QStringLiteral("unchanged"));
    }

    void newEventResetsRows()
    {
        WebhookEventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEvents({webhookEvent(QStringLiteral("a"), WebhookOutcome::Processed)});
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.setEvents({webhookEvent(QStringLiteral("b"), WebhookOutcome::Received), webhookEvent(QStringLiteral("a"), WebhookOutcome::Processed)});
        QCOMPARE(reset.size(), 1);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowOfEvent(QStringLiteral("b")), 0);
        model.setEvents({});
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(TestWebhookEventModel)
#include "tst_webhookeventmodel.moc"
