#include "itemmodels/retryeventfiltermodel.h"
#include "itemmodels/retryeventmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace tiersync;

namespace {

RetryEventRepository::Stored stored(qint64 id, const QString &target, const QString &errorClass,
                                    const QString &outcome, int httpStatus = 0, qint64 delayMs = 0)
{
    RetryEventRepository::Stored out;
    out.id = id;
    out.event.at = QDateTime::fromMSecsSinceEpoch(1700000000000 + id * 1000, Qt::UTC);
    out.event.target = target;
    out.event.attempt = int(id % 3) + 1;
    out.event.maxAttempts = 5;
    out.event.errorClass = errorClass;
    out.event.httpStatus = httpStatus;
    out.event.delayMs = delayMs;
    out.event.outcome = outcome;
    return out;
}

const QString kItems = QStringLiteral("GET /books/v3/items");
const QString kContacts = QStringLiteral("GET /crm/v2/Contacts");

}  // namespace

class TestRetryEventModel final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsEventsNewestFirst()
    {
        RetryEventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), int(RetryEventModel::ColumnCount));
        QCOMPARE(model.newestId(), 0);
        model.setEvents({stored(1, kItems, QStringLiteral("server"), QStringLiteral("retry"), 503, 1500),
                         stored(2, kContacts, QStringLiteral("timeout"), QStringLiteral("gave_up"))});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.newestId(), 2);
        QCOMPARE(model.data(model.index(0, RetryEventModel::TargetColumn)).toString(), kContacts);
        QCOMPARE(model.data(model.index(0, RetryEventModel::HttpStatusColumn)).toString(), QStringLiteral("—"));
        QCOMPARE(model.data(model.index(0, RetryEventModel::DelayColumn)).toString(), QStringLiteral("—"));
        QCOMPARE(model.data(model.index(1, RetryEventModel::HttpStatusColumn)).toString(), QStringLiteral("503"));
        QCOMPARE(model.data(model.index(1, RetryEventModel::DelayColumn)).toString(), QStringLiteral("1.5 s"));
        QCOMPARE(model.data(model.index(1, RetryEventModel::AttemptColumn)).toString(), QStringLiteral("2 of 5"));
        QCOMPARE(model.data(model.index(1, RetryEventModel::ErrorClassColumn)).toString(), QStringLiteral("server"));
        QCOMPARE(model.data(model.index(1, RetryEventModel::OutcomeColumn)).toString(), QStringLiteral("retry"));
        QVERIFY(!model.data(model.index(1, RetryEventModel::TimeColumn)).toString().isEmpty());
        QCOMPARE(model.data(model.index(1, 0), RetryEventModel::EventIdRole).toLongLong(), 1);
        QCOMPARE(model.data(model.index(0, 0), RetryEventModel::OutcomeRole).toString(), QStringLiteral("gave_up"));
        QCOMPARE(model.headerData(RetryEventModel::ErrorClassColumn, Qt::Horizontal).toString(),
                 QStringLiteral("Error class"));
        QCOMPARE(model.eventAt(1).event.target, kItems);
    }

    void newEventsInsertAtTheTopAndOldOnesDrop()
    {
        RetryEventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMaxRows(4);
        model.setEvents({stored(1, kItems, QStringLiteral("server"), QStringLiteral("retry"))});
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        // One batch, one insert; an id the model already has is ignored.
        model.addEvents({stored(1, kItems, QStringLiteral("server"), QStringLiteral("retry")),
                         stored(2, kItems, QStringLiteral("server"), QStringLiteral("retry")),
                         stored(3, kContacts, QStringLiteral("timeout"), QStringLiteral("retry"))});
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(inserted.at(0).at(1).toInt(), 0);
        QCOMPARE(inserted.at(0).at(2).toInt(), 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.eventAt(0).id, 3);
        QCOMPARE(model.eventAt(2).id, 1);
        model.addEvents({});
        QCOMPARE(inserted.size(), 1);
        // Beyond maxRows the oldest rows leave.
        model.addEvents({stored(4, kItems, QStringLiteral("server"), QStringLiteral("gave_up")),
                         stored(5, kItems, QStringLiteral("server"), QStringLiteral("retry"))});
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(model.eventAt(0).id, 5);
        QCOMPARE(model.eventAt(3).id, 2);
        QCOMPARE(reset.size(), 0);
        model.setEvents({});
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(reset.size(), 1);
    }

    void filtersOnTargetErrorClassAndOutcome()
    {
        RetryEventModel model;
        RetryEventFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setEvents({stored(1, kItems, QStringLiteral("server"), QStringLiteral("retry"), 503),
                         stored(2, kContacts, QStringLiteral("timeout"), QStringLiteral("retry")),
                         stored(3, kItems, QStringLiteral("rate_limited"), QStringLiteral("gave_up"), 429)});
        QCOMPARE(filter.rowCount(), 3);
        filter.setTargetText(QStringLiteral("BOOKS"));
        QCOMPARE(filter.rowCount(), 2);
        filter.setOutcome(QStringLiteral("gave_up"));
        QCOMPARE(filter.rowCount(), 1);
        QCOMPARE(filter.index(0, 0).data(RetryEventModel::EventIdRole).toLongLong(), 3);
        filter.setOutcome({});
        filter.setErrorClass(QStringLiteral("server"));
        QCOMPARE(filter.rowCount(), 1);
        QCOMPARE(filter.index(0, 0).data(RetryEventModel::EventIdRole).toLongLong(), 1);
        filter.setTargetText({});
        filter.setErrorClass({});
        QCOMPARE(filter.rowCount(), 3);
        // Rows arriving later are filtered too.
        filter.setErrorClass(QStringLiteral("timeout"));
        model.addEvents({stored(4, kItems, QStringLiteral("timeout"), QStringLiteral("retry"))});
        QCOMPARE(filter.rowCount(), 2);
        QCOMPARE(filter.index(0, 0).data(RetryEventModel::EventIdRole).toLongLong(), 4);
    }

    void filterModelShowsNewestFirstByTime()
    {
        RetryEventModel model;
        RetryEventFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // A late batch: id 3 happened before id 2; 4 and 5 at the same moment.
        auto early = stored(3, kItems, QStringLiteral("server"), QStringLiteral("retry"));
        early.event.at = QDateTime::fromMSecsSinceEpoch(1700000000000, Qt::UTC);
        model.setEvents({stored(1, kItems, QStringLiteral("server"), QStringLiteral("retry")),
                         stored(2, kItems, QStringLiteral("server"), QStringLiteral("retry")), early});
        auto same = stored(4, kContacts, QStringLiteral("timeout"), QStringLiteral("retry"));
        auto sameToo = stored(5, kContacts, QStringLiteral("timeout"), QStringLiteral("retry"));
        sameToo.event.at = same.event.at;
        model.addEvents({same, sameToo});
        QList<qint64> order;
        for (int row = 0; row < filter.rowCount(); ++row)
            order.append(filter.index(row, 0).data(RetryEventModel::EventIdRole).toLongLong());
        QCOMPARE(order, (QList<qint64>{5, 4, 2, 1, 3}));
    }
};

QTEST_GUILESS_MAIN(TestRetryEventModel)
#include "tst_retryeventmodel.moc"
