#include "itemmodels/keytreemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace tiersync;

namespace {

QModelIndex childNamed(const QAbstractItemModel &model, const QModelIndex &parent, const QString &name)
{
    for (int row = 0; row < model.rowCount(parent); ++row) {
        const QModelIndex index = model.index(row, 0, parent);
        if (index.data().toString() == name)
            return index;
    }
    return {};
}

}  // namespace

class TestKeyTreeModel final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void namespacesStayClosedUntilFetched()
    {
        KeyTreeModel model;
        model.addKeys({"a:b:1", "a:c"});
        const QModelIndex a = model.index(0, 0);
        QVERIFY(model.hasChildren(a));
        QCOMPARE(model.rowCount(a), 0);
        QVERIFY(model.canFetchMore(a));
        model.fetchMore(a);
        QCOMPARE(model.rowCount(a), 0);  // shown on the next event-loop pass
        QTRY_COMPARE(model.rowCount(a), 2);
        QVERIFY(!model.canFetchMore(a));
    }

    void buildsNamespacesLazily()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addKeys({"tiersync:v1:ep:grades:7", "tiersync:v1:ep:grades:8", "tiersync:v1:state:items:1", "plain"});
        QCOMPARE(model.totalKeys(), 4);
        QCOMPARE(model.rowCount(), 2);  // "tiersync:" and the key "plain"
        const QModelIndex tiersync = childNamed(model, {}, QStringLiteral("tiersync:"));
        QVERIFY(tiersync.isValid());
        QCOMPARE(model.index(tiersync.row(), KeyTreeModel::CountColumn).data().toLongLong(), 3);
        QVERIFY(model.hasChildren(tiersync));
        model.fetchMore(tiersync);
        QTRY_COMPARE(model.rowCount(tiersync), 1);
        const QModelIndex v1 = model.index(0, 0, tiersync);
        model.fetchMore(v1);
        QTRY_COMPARE(model.rowCount(v1), 2);
        const QModelIndex ep = childNamed(model, v1, QStringLiteral("ep:"));
        model.fetchMore(ep);
        QTRY_VERIFY(childNamed(model, ep, QStringLiteral("grades:")).isValid());
        const QModelIndex grades = childNamed(model, ep, QStringLiteral("grades:"));
        QCOMPARE(grades.data(KeyTreeModel::KeyRole).toByteArray(), QByteArray("tiersync:v1:ep:grades:"));
        model.fetchMore(grades);
        QTRY_COMPARE(model.rowCount(grades), 2);
        const QModelIndex seven = model.index(0, 0, grades);
        QCOMPARE(seven.data().toString(), QStringLiteral("7"));
        QCOMPARE(seven.data(KeyTreeModel::KeyRole).toByteArray(), QByteArray("tiersync:v1:ep:grades:7"));
        QVERIFY(!seven.data(KeyTreeModel::IsNamespaceRole).toBool());
        QCOMPARE(model.parent(seven), grades);
    }

    void laterPagesInsertIntoOpenNamespaces()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addKeys({"a:1", "a:2", "b:1"});
        const QModelIndex a = childNamed(model, {}, QStringLiteral("a:"));
        model.fetchMore(a);
        QTRY_COMPARE(model.rowCount(a), 2);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        // One page: a new namespace inside the open "a", a key in "a", new top-level ones.
        model.addKeys({"a:x:1", "a:3", "c:1", "c:2", "d"});
        QCOMPARE(model.rowCount(a), 4);  // x:, 1, 2, 3
        QCOMPARE(model.index(0, 0, a).data().toString(), QStringLiteral("x:"));
        QCOMPARE(model.index(3, 0, a).data().toString(), QStringLiteral("3"));
        QCOMPARE(model.rowCount(), 4);  // a:, b:, c:, d
        QCOMPARE(inserted.size(), 4);   // a's namespace, a's key, root's namespace, root's key
        QCOMPARE(model.totalKeys(), 8);
        QCOMPARE(model.index(a.row(), KeyTreeModel::CountColumn).data().toLongLong(), 4);
    }

    void removingKeysPrunesEmptyNamespaces()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addKeys({"a:1", "a:b:1", "c:1", "z"});
        QModelIndex a = childNamed(model, {}, QStringLiteral("a:"));
        model.fetchMore(a);
        QTRY_COMPARE(model.rowCount(a), 2);
        model.fetchMore(childNamed(model, a, QStringLiteral("b:")));
        QTRY_COMPARE(model.rowCount(childNamed(model, a, QStringLiteral("b:"))), 1);
        model.removeKeys({"a:b:1", "missing", "z"});
        a = childNamed(model, {}, QStringLiteral("a:"));
        QCOMPARE(model.rowCount(a), 1);
        QCOMPARE(model.rowCount(), 2);
        model.removeKeys({"a:1"});
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("c:"));
        QCOMPARE(model.totalKeys(), 1);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void manyPages()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        for (int page = 0; page < 20; ++page) {
            QList<QByteArray> keys;
            for (int i = 0; i < 100; ++i)
                keys.append("bench:" + QByteArray::number(i % 7) + ':' + QByteArray::number(page * 100 + i));
            model.addKeys(keys);
            if (page == 3)
                model.fetchMore(model.index(0, 0));
        }
        QCOMPARE(model.totalKeys(), 2000);
        QTRY_COMPARE(model.rowCount(model.index(0, 0)), 7);
    }
};

QTEST_GUILESS_MAIN(TestKeyTreeModel)
#include "tst_keytreemodel.moc"
