// Upsert of 100,000 entity rows (Zoho-item-like JSON payloads of about 500 bytes) into
// tiersync.entities, in batches of several sizes, with both methods EntityRepository
// offers: COPY into a temporary table + INSERT … SELECT … ON CONFLICT, and one
// multi-row INSERT … ON CONFLICT per batch. Each is measured inserting new rows and
// then updating all of them (every payload changed). Prints rows/s; the design aims at
// >= 50,000 rows/s. Not a timed test: it only reports.
//
// Server: the sandbox of TIERSYNC_SANDBOX_DIR (sandbox.json), else --pg-dsn DSN. The
// benchmark works in a database of its own, created and dropped here.
#include "testsandbox.h"

#include "core/pgsettings.h"
#include "store/entityrepository.h"
#include "store/migrator.h"
#include "store/pgconnection.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTextStream>

#include <pqxx/pqxx>

#include <cstdio>
#include <ctime>

using namespace tiersync;

namespace {

struct Measurement {
    QString method;
    int batchSize = 0;
    QString phase;
    qint64 elapsedMs = 0;
    qint64 clientCpuMs = 0;
    double perSecond = 0;
};

qint64 cpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

int fail(const QString &what, const Error &error)
{
    QTextStream(stderr) << "bench_pg_upsert: " << what << ": " << error.toString() << '\n';
    return 1;
}

// About 500 bytes, shaped like a Books item.
QByteArray itemPayload(int index, int revision)
{
    return QStringLiteral(
               R"({"item_id":"4600000%1","name":"Course material pack %1","sku":"SKU-%1-%2",)"
               R"("rate":%3,"purchase_rate":%4,"unit":"pcs","status":"active",)"
               R"("description":"Printed and bound course material for module %1, revision %2, )"
               R"(including exercises, reading lists and assessment guidelines.",)"
               R"("tax_id":"460000000012345","tax_name":"GST","tax_percentage":15,)"
               R"("item_type":"sales_and_purchases","product_type":"goods",)"
               R"("account_id":"460000000000388","account_name":"Sales",)"
               R"("stock_on_hand":%5,"reorder_level":10,"created_time":"2023-03-01T09:12:44+0530",)"
               R"("last_modified_time":"2024-05-%6T10:00:00+0530","custom_fields":[]})")
        .arg(index)
        .arg(revision)
        .arg(10 + index % 90)
        .arg(5 + index % 40)
        .arg(index % 500)
        .arg(10 + revision % 18)
        .toUtf8();
}

QList<EntityRepository::Row> makeRows(const QString &type, int count, int revision)
{
    QList<EntityRepository::Row> rows;
    rows.reserve(count);
    for (int i = 0; i < count; ++i) {
        EntityRepository::Row row;
        row.entityType = type;
        row.zohoId = QStringLiteral("4600000%1").arg(i);
        row.payload = itemPayload(i, revision);
        row.contentHash = QString::fromLatin1(
            QCryptographicHash::hash(row.payload, QCryptographicHash::Sha256).toHex());
        row.lastModifiedTime = QDateTime(QDate(2024, 5, 10), QTime(4, 30), Qt::UTC).addSecs(revision);
        rows.append(std::move(row));
    }
    return rows;
}

Status execute(PgConnection &connection, const std::string &sql)
{
    return connection.nonTransaction(QStringLiteral("bench admin"),
                                     [&](pqxx::transaction_base &txn) -> Status {
                                         txn.exec(sql);
                                         return {};
                                     });
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Batched upsert of entity rows into PostgreSQL"));
    parser.addHelpOption();
    const QCommandLineOption dsnOption(QStringLiteral("pg-dsn"),
                                       QStringLiteral("libpq DSN of a server when no sandbox is set"),
                                       QStringLiteral("dsn"));
    const QCommandLineOption rowsOption(QStringLiteral("rows"), QStringLiteral("rows per run (100000)"),
                                        QStringLiteral("n"), QStringLiteral("100000"));
    const QCommandLineOption batchOption(QStringLiteral("batches"),
                                         QStringLiteral("comma-separated batch sizes (50,200,1000,10000)"),
                                         QStringLiteral("list"), QStringLiteral("50,200,1000,10000"));
    parser.addOption(dsnOption);
    parser.addOption(rowsOption);
    parser.addOption(batchOption);
    parser.process(app);

    PgSettings server;
    if (parser.isSet(dsnOption)) {
        auto parsed = PgSettings::fromDsn(parser.value(dsnOption));
        if (!parsed)
            return fail(QStringLiteral("--pg-dsn"), parsed.error());
        server = *parsed;
    } else if (!test::sandboxDir().isEmpty()) {
        auto profile = test::sandboxProfile();
        if (!profile)
            return fail(QStringLiteral("sandbox"), profile.error());
        server = profile->pg;
    } else {
        QTextStream(stderr) << "bench_pg_upsert: set TIERSYNC_SANDBOX_DIR or pass --pg-dsn\n";
        return 2;
    }
    const int count = parser.value(rowsOption).toInt();
    QList<int> batchSizes;
    for (const QString &size : parser.value(batchOption).split(QLatin1Char(','), Qt::SkipEmptyParts))
        batchSizes << size.toInt();
    if (count <= 0 || batchSizes.isEmpty() || batchSizes.contains(0)) {
        QTextStream(stderr) << "bench_pg_upsert: --rows and --batches must be positive\n";
        return 2;
    }

    const QString database =
        QStringLiteral("bench_pg_upsert_%1").arg(QRandomGenerator::global()->generate(), 0, 36);
    PgConnection admin(server);
    if (Status created = execute(admin, "CREATE DATABASE " + database.toStdString()); !created)
        return fail(QStringLiteral("create database"), created.error());
    PgSettings settings = server;
    settings.options.insert(QStringLiteral("dbname"), database);

    QList<Measurement> measurements;
    QString serverVersion;
    int exitCode = 0;
    {
        PgConnection::Options options;
        options.statementTimeoutMs = 0;
        PgConnection connection(settings, options);
        if (auto migrated = Migrator().migrate(connection); !migrated) {
            exitCode = fail(QStringLiteral("migrate"), migrated.error());
        } else {
            [[maybe_unused]] Status version = connection.transaction(
                QStringLiteral("version"), [&](pqxx::transaction_base &txn) -> Status {
                    serverVersion = QString::fromStdString(
                        txn.exec1("SHOW server_version")[0].as<std::string>() + ", fsync="
                        + txn.exec1("SHOW fsync")[0].as<std::string>() + ", synchronous_commit="
                        + txn.exec1("SHOW synchronous_commit")[0].as<std::string>());
                    return {};
                });
            const auto inserts = makeRows(QStringLiteral("products"), count, 0);
            const auto updates = makeRows(QStringLiteral("products"), count, 1);
            qint64 payloadBytes = 0;
            for (const auto &row : inserts)
                payloadBytes += row.payload.size();
            QTextStream(stdout) << "payload: " << count << " rows, average "
                                << payloadBytes / count << " bytes\n";

            const QList<QPair<QString, EntityRepository::UpsertMethod>> methods{
                {QStringLiteral("COPY + INSERT..SELECT"), EntityRepository::UpsertMethod::Copy},
                {QStringLiteral("multi-row INSERT"), EntityRepository::UpsertMethod::MultiRowInsert},
            };
            QElapsedTimer timer;
            for (const int batchSize : std::as_const(batchSizes)) {
                for (const auto &[name, method] : methods) {
                    if (Status cleared = execute(connection, "TRUNCATE tiersync.entities"); !cleared) {
                        exitCode = fail(QStringLiteral("truncate"), cleared.error());
                        break;
                    }
                    EntityRepository entities(connection);
                    entities.setUpsertMethod(method);
                    for (const auto &[phase, rows] :
                         {qMakePair(QStringLiteral("insert"), &inserts),
                          qMakePair(QStringLiteral("update"), &updates)}) {
                        const qint64 cpuStart = cpuMs();
                        timer.start();
                        for (qsizetype offset = 0; offset < rows->size(); offset += batchSize) {
                            auto written = entities.upsert(rows->mid(offset, batchSize));
                            if (!written) {
                                exitCode = fail(name, written.error());
                                break;
                            }
                        }
                        const qint64 ns = timer.nsecsElapsed();
                        measurements.append({name, batchSize, phase, ns / 1000000, cpuMs() - cpuStart,
                                             ns > 0 ? double(count) * 1e9 / double(ns) : 0.0});
                    }
                    auto stored = entities.count(QStringLiteral("products"));
                    if (!stored || *stored != count) {
                        QTextStream(stderr) << "bench_pg_upsert: row count mismatch\n";
                        exitCode = 1;
                    }
                }
            }
        }
    }
    if (Status dropped = execute(admin, "DROP DATABASE " + database.toStdString() + " WITH (FORCE)");
        !dropped)
        fail(QStringLiteral("drop database"), dropped.error());

    QTextStream out(stdout);
    out << "PostgreSQL entity upsert, " << count << " rows per run, server " << server.describe()
        << " (" << serverVersion << ")\n\n";
    out << qSetFieldWidth(24) << Qt::left << "method" << qSetFieldWidth(8) << Qt::right << "batch"
        << qSetFieldWidth(8) << "phase" << qSetFieldWidth(12) << "elapsed ms" << qSetFieldWidth(15)
        << "client cpu ms" << qSetFieldWidth(12) << "rows/s" << qSetFieldWidth(0) << '\n';
    for (const Measurement &m : std::as_const(measurements)) {
        out << qSetFieldWidth(24) << Qt::left << m.method << qSetFieldWidth(8) << Qt::right << m.batchSize
            << qSetFieldWidth(8) << m.phase << qSetFieldWidth(12) << m.elapsedMs << qSetFieldWidth(15)
            << m.clientCpuMs << qSetFieldWidth(12) << QString::number(m.perSecond, 'f', 0)
            << qSetFieldWidth(0) << '\n';
    }
    return exitCode;
}
