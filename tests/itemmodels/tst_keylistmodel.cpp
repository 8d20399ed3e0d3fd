#include "itemmodels/keylistmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace tiersync;

namespace {

QList<QByteArray> keys(int from, int count)
{
    QList<QByteArray> out;
    for (int i = from; i < from + count; ++i)
        out.append("k:" + QByteArray::number(i));
    return out;
}

}  // namespace

class TestKeyListModel final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fetchMoreAsksOncePerPage()
    {
        KeyListModel model;
        QSignalSpy requested(&model, &KeyListModel::fetchRequested);
        QVERIFY(model.canFetchMore({}));
        // The tester fetches too, as a view does when it is shown.
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.fetchMore({});
        model.fetchMore({});  // a view scrolling again before the page arrived
        QCOMPARE(requested.size(), 1);
        QVERIFY(model.isFetching());
        QVERIFY(!model.canFetchMore({}));

        const auto fresh = model.appendPage(keys(0, 1000), false);
        QCOMPARE(fresh.size(), 1000);
        QCOMPARE(model.rowCount(), 1000);
        QCOMPARE(model.data(model.index(5, 0)).toString(), QStringLiteral("k:5"));
        QCOMPARE(model.data(model.index(5, 0), KeyListModel::KeyRole).toByteArray(), QByteArray("k:5"));
        // The tester, like a view, asks for the next page as soon as rows arrive.
        model.fetchMore({});
        QCOMPARE(requested.size(), 2);
        QVERIFY(model.isFetching());
        model.appendPage(keys(1000, 10), true);
        QVERIFY(model.atEnd());
        QVERIFY(!model.canFetchMore({}));
        QCOMPARE(model.rowCount(), 1010);
    }

    void duplicatesFromScanAreDropped()
    {
        KeyListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.fetchMore({});
        model.appendPage(keys(0, 10), false);
        model.fetchMore({});
        const auto fresh = model.appendPage(keys(5, 10), false);
        QCOMPARE(fresh, keys(10, 5));
        QCOMPARE(model.rowCount(), 15);
        // An empty SCAN step is normal mid-walk: no rows, but more may be fetched.
        model.fetchMore({});
        QVERIFY(model.appendPage({}, false).isEmpty());
        QVERIFY(model.canFetchMore({}));
    }

    void removeRowsInRuns()
    {
        KeyListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.fetchMore({});
        model.appendPage(keys(0, 20), true);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        model.removeKeys({"k:3", "k:4", "k:5", "k:10", "nope", "k:19"});
        QCOMPARE(model.rowCount(), 15);
        QCOMPARE(removed.size(), 3);  // 19, 10, 3..5
        QCOMPARE(model.keyAt(3), QByteArray("k:6"));
        // A removed key may come back in a later scan.
        model.restart();
        QCOMPARE(model.rowCount(), 0);
        model.fetchMore({});
        model.appendPage({"k:3"}, true);
        QCOMPARE(model.rowCount(), 1);
    }

    void failedPageStopsFetching()
    {
        KeyListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.fetchMore({});
        model.pageFailed();
        QVERIFY(model.failed());
        QVERIFY(!model.canFetchMore({}));
        QSignalSpy requested(&model, &KeyListModel::fetchRequested);
        model.restart();
        model.fetchMore({});
        QVERIFY(model.isFetching());
        QCOMPARE(requested.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestKeyListModel)
#include "tst_keylistmodel.moc"
