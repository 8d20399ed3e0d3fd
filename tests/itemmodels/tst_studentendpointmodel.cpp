#include "itemmodels/studentendpointmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace tiersync;

namespace {

EndpointDefinition endpoint(const QString &name)
{
    EndpointDefinition definition;
    definition.name = name;
    definition.description = name + QStringLiteral(" of the student");
    definition.zohoModule = QStringLiteral("Grades");
    definition.redisTtlSeconds = 300;
    definition.pgFreshnessSeconds = 900;
    return definition;
}

StudentEndpointRead answered(const QString &name, ReadSource source, const QByteArray &data)
{
    StudentEndpointRead read;
    read.endpoint = name;
    read.ok = true;
    read.source = source;
    read.dataJson = data;
    read.cacheAgeSeconds = 200;
    read.latencyUs = 15300;
    return read;
}

StudentLookup lookupOf(qint64 student, QList<StudentEndpointRead> reads, bool cancelled = false)
{
    StudentLookup lookup;
    lookup.moodleUserId = student;
    lookup.reads = std::move(reads);
    lookup.cancelled = cancelled;
    return lookup;
}

QString text(const StudentEndpointModel &model, int row, int column)
{
    return model.index(row, column).data().toString();
}

}  // namespace

class TestStudentEndpointModel final : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rowsAreTheEndpoints()
    {
        StudentEndpointModel model({endpoint(QStringLiteral("profile")), endpoint(QStringLiteral("grades"))});
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), int(StudentEndpointModel::ColumnCount));
        QCOMPARE(model.endpoints(), (QStringList{QStringLiteral("profile"), QStringLiteral("grades")}));
        QCOMPARE(model.rowOf(QStringLiteral("grades")), 1);
        QCOMPARE(model.rowOf(QStringLiteral("nope")), -1);
        QCOMPARE(text(model, 1, StudentEndpointModel::NameColumn), QStringLiteral("grades"));
        QCOMPARE(text(model, 1, StudentEndpointModel::DescriptionColumn), QStringLiteral("grades of the student"));
        QCOMPARE(model.index(0, StudentEndpointModel::NameColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("Zoho module Grades · Redis TTL 300 s · PostgreSQL freshness 900 s"));
        QCOMPARE(model.headerData(StudentEndpointModel::AgeColumn, Qt::Horizontal).toString(), QStringLiteral("Cache age"));
        for (int column = StudentEndpointModel::SourceColumn; column < StudentEndpointModel::DescriptionColumn; ++column)
            QVERIFY(text(model, 0, column).isEmpty());
        QVERIFY(!model.index(0, StudentEndpointModel::SourceColumn).data(StudentEndpointModel::SourceRole).isValid());
        QCOMPARE(model.student(), 0);
        QVERIFY(!model.readOf(QStringLiteral("profile")));
    }

    void aLookupFillsItsRows()
    {
        StudentEndpointModel model({endpoint(QStringLiteral("profile")), endpoint(QStringLiteral("grades")),
                                    endpoint(QStringLiteral("fees"))});
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.showStudent(42);
        QCOMPARE(model.student(), 42);
        model.markReading({});
        for (int row = 0; row < 3; ++row)
            QCOMPARE(text(model, row, StudentEndpointModel::ResultColumn), QStringLiteral("reading…"));

        StudentEndpointRead failed;
        failed.endpoint = QStringLiteral("fees");
        failed.httpStatus = 503;
        failed.latencyUs = 2'500'000;
        failed.error = QStringLiteral("No answer: Zoho is unavailable.");
        model.applyLookup(lookupOf(42, {answered(QStringLiteral("profile"), ReadSource::Zoho, R"({"a":1})"),
                                        answered(QStringLiteral("grades"), ReadSource::Redis, "[1,2,3]"), failed}));
        QCOMPARE(text(model, 0, StudentEndpointModel::SourceColumn), QStringLiteral("zoho"));
        QCOMPARE(text(model, 0, StudentEndpointModel::ResultColumn), QStringLiteral("1 record"));
        QCOMPARE(text(model, 1, StudentEndpointModel::ResultColumn), QStringLiteral("3 records"));
        QCOMPARE(text(model, 1, StudentEndpointModel::AgeColumn), QStringLiteral("3 min 20 s"));
        QCOMPARE(text(model, 1, StudentEndpointModel::LatencyColumn), QStringLiteral("15.3 ms"));
        QCOMPARE(model.index(1, StudentEndpointModel::SourceColumn).data(StudentEndpointModel::SourceRole).toInt(),
                 int(ReadSource::Redis));
        QCOMPARE(model.index(1, StudentEndpointModel::LatencyColumn).data(Qt::TextAlignmentRole).value<Qt::Alignment>(),
                 Qt::AlignRight | Qt::AlignVCenter);
        QCOMPARE(text(model, 2, StudentEndpointModel::SourceColumn), QStringLiteral("—"));
        QCOMPARE(text(model, 2, StudentEndpointModel::AgeColumn), QString());
        QCOMPARE(text(model, 2, StudentEndpointModel::LatencyColumn), QStringLiteral("2.50 s"));
        QCOMPARE(text(model, 2, StudentEndpointModel::ResultColumn), QStringLiteral("no answer (HTTP 503)"));
        QCOMPARE(model.index(2, StudentEndpointModel::ResultColumn).data(Qt::ToolTipRole).toString(), failed.error);
        QCOMPARE(model.index(2, 0).data(StudentEndpointModel::AnsweredRole).toBool(), false);
        QVERIFY(!model.index(2, 0).data(StudentEndpointModel::SourceRole).isValid());
        QCOMPARE(model.readOf(QStringLiteral("grades"))->dataJson, QByteArray("[1,2,3]"));
        QVERIFY(changed.size() >= 3);

        // One endpoint again: only its row reads; an answer about another student is not shown.
        model.markReading(QStringLiteral("grades"));
        QCOMPARE(text(model, 0, StudentEndpointModel::ResultColumn), QStringLiteral("1 record"));
        QCOMPARE(text(model, 1, StudentEndpointModel::ResultColumn), QStringLiteral("reading…"));
        QCOMPARE(text(model, 1, StudentEndpointModel::SourceColumn), QStringLiteral("redis"));  // still the last read
        model.applyLookup(lookupOf(7, {answered(QStringLiteral("grades"), ReadSource::Zoho, "[]")}));
        QCOMPARE(text(model, 1, StudentEndpointModel::SourceColumn), QStringLiteral("redis"));
        model.applyLookup(lookupOf(42, {answered(QStringLiteral("grades"), ReadSource::Postgres, "[]")}));
        QCOMPARE(text(model, 1, StudentEndpointModel::SourceColumn), QStringLiteral("postgres"));
        QCOMPARE(text(model, 1, StudentEndpointModel::ResultColumn), QStringLiteral("0 records"));
    }

    void cancelledAndAbandonedLookups()
    {
        StudentEndpointModel model({endpoint(QStringLiteral("profile")), endpoint(QStringLiteral("grades"))});
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.showStudent(5);
        model.markReading({});
        model.applyLookup(lookupOf(5, {answered(QStringLiteral("profile"), ReadSource::Redis, "null")}, true));
        QCOMPARE(text(model, 0, StudentEndpointModel::ResultColumn), QStringLiteral("no record"));
        QCOMPARE(text(model, 1, StudentEndpointModel::ResultColumn), QStringLiteral("skipped (cancelled)"));
        // The next lookup forgets the skip; one that reads nothing shows what was there.
        model.markReading(QStringLiteral("profile"));
        QCOMPARE(text(model, 1, StudentEndpointModel::ResultColumn), QString());
        model.abandonReading();
        QCOMPARE(text(model, 0, StudentEndpointModel::ResultColumn), QStringLiteral("no record"));

        // Another student: every row empty again.
        model.showStudent(6);
        QCOMPARE(text(model, 0, StudentEndpointModel::SourceColumn), QString());
        QVERIFY(!model.readOf(QStringLiteral("profile")));
    }

    void texts()
    {
        QCOMPARE(StudentEndpointModel::ageText(59), QStringLiteral("59 s"));
        QCOMPARE(StudentEndpointModel::ageText(7500), QStringLiteral("2 h 5 min"));
        QCOMPARE(StudentEndpointModel::latencyText(420), QStringLiteral("0.42 ms"));
        QCOMPARE(StudentEndpointModel::latencyText(1'200'000), QStringLiteral("1.20 s"));
        QCOMPARE(StudentEndpointModel::recordsText("[{}]"), QStringLiteral("1 record"));
    }
};

QTEST_GUILESS_MAIN(TestStudentEndpointModel)
#include "tst_studentendpointmodel.moc"
