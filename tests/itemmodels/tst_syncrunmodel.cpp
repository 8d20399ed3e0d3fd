#include "itemmodels/syncrunmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace tiersync;

namespace {

SyncRunRepository::Run run(qint64 id, SyncRunStatus status, qint64 synced = 0)
{
    SyncRunRepository::Run out;
    out.id = id;
    out.entityType = QStringLiteral("products");
    out.mode = QStringLiteral("incremental");
    out.trigger = QStringLiteral("console");
    out.status = status;
    out.startedAt = QDateTime::fromSecsSinceEpoch(1'700'000'000 + id, Qt::UTC);
    out.counters.synced = synced;
    out.durationMs = status == SyncRunStatus::Running ? -1 : 1500;
    return out;
}

}  // namespace

class TestSyncRunModel final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void showsRunsNewestFirst()
    {
        SyncRunModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), int(SyncRunModel::ColumnCount));
        model.setRuns({run(3, SyncRunStatus::Running), run(2, SyncRunStatus::Cancelled),
                       run(1, SyncRunStatus::Succeeded, 40)});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.data(model.index(0, SyncRunModel::IdColumn)).toLongLong(), 3);
        QCOMPARE(model.data(model.index(1, SyncRunModel::StatusColumn)).toString(), QStringLiteral("cancelled"));
        QCOMPARE(model.data(model.index(2, SyncRunModel::SyncedColumn)).toLongLong(), 40);
        QCOMPARE(model.data(model.index(2, SyncRunModel::DurationColumn)).toString(), QStringLiteral("1.5 s"));
        QCOMPARE(model.data(model.index(0, SyncRunModel::DurationColumn)).toString(), QString());
        QCOMPARE(model.data(model.index(0, 0), SyncRunModel::RunIdRole).toLongLong(), 3);
        QCOMPARE(model.data(model.index(1, 0), SyncRunModel::StatusRole).value<SyncRunStatus>(), SyncRunStatus::Cancelled);
        QCOMPARE(model.headerData(SyncRunModel::StatusColumn, Qt::Horizontal).toString(), QStringLiteral("Status"));
        QCOMPARE(model.rowOfRun(1), 2);
        QCOMPARE(model.rowOfRun(99), -1);
        QCOMPARE(model.runAt(0).entityType, QStringLiteral("products"));
    }

    // Every counter of sync_runs has a column, and every header says what it counts.
    void showsEveryCounterWithItsMeaning()
    {
        SyncRunModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        SyncRunRepository::Run counted = run(5, SyncRunStatus::Succeeded, 450);
        counted.counters = {500, 450, 30, 2, 4, 3, 5, 2};  // fetched … retries, all different
        model.setRuns({counted});
        const auto cell = [&model](int column) { return model.data(model.index(0, column)).toLongLong(); };
        QCOMPARE(cell(SyncRunModel::FetchedColumn), 500);
        QCOMPARE(cell(SyncRunModel::SyncedColumn), 450);
        QCOMPARE(cell(SyncRunModel::SkippedColumn), 30);
        QCOMPARE(cell(SyncRunModel::FailedColumn), 2);
        QCOMPARE(cell(SyncRunModel::DeletedColumn), 4);
        QCOMPARE(cell(SyncRunModel::PagesColumn), 3);
        QCOMPARE(cell(SyncRunModel::RequestsColumn), 5);
        QCOMPARE(cell(SyncRunModel::RetriesColumn), 2);
        const auto tip = [&model](int column) {
            return model.headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString();
        };
        for (int column = 0; column < SyncRunModel::ColumnCount; ++column)
            QVERIFY2(!tip(column).isEmpty(), qPrintable(model.headerData(column, Qt::Horizontal).toString()));
        QCOMPARE(model.headerData(SyncRunModel::RequestsColumn, Qt::Horizontal).toString(), QStringLiteral("Requests"));
        QVERIFY(tip(SyncRunModel::RequestsColumn).contains(QStringLiteral("retries included")));
        QVERIFY(tip(SyncRunModel::FetchedColumn).contains(QStringLiteral("Zoho returned")));
        QVERIFY(tip(SyncRunModel::SyncedColumn).contains(QStringLiteral("Distinct records written")));
        QCOMPARE(model.data(model.index(0, SyncRunModel::RetriesColumn), Qt::TextAlignmentRole).value<Qt::Alignment>(),
                 Qt::AlignRight | Qt::AlignVCenter);
    }

    void sameRunsUpdateInPlace()
    {
        SyncRunModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRuns({run(2, SyncRunStatus::Running), run(1, SyncRunStatus::Succeeded)});
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setRuns({run(2, SyncRunStatus::Succeeded, 7), run(1, SyncRunStatus::Succeeded)});
        QCOMPARE(reset.size(), 0);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(model.data(model.index(0, SyncRunModel::StatusColumn)).toString(), QStringLiteral("succeeded"));
        QCOMPARE(model.data(model.index(0, SyncRunModel::SyncedColumn)).toLongLong(), 7);
    }

    void newRunResetsRows()
    {
        SyncRunModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRuns({run(1, SyncRunStatus::Succeeded)});
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.setRuns({run(2, SyncRunStatus::Running), run(1, SyncRunStatus::Succeeded)});
        QCOMPARE(reset.size(), 1);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowOfRun(2), 0);
        model.setRuns({});
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestSyncRunModel)
#include "tst_syncrunmodel.moc"
