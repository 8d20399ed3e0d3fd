#include "pgtestdatabase.h"

#include "store/pgconnection.h"

#include <QRandomGenerator>

#include <pqxx/pqxx>

namespace tiersync::test {

namespace {

Status runOnServer(const PgSettings &server, const std::string &sql)
{
    PgConnection admin(server);
    return admin.nonTransaction(QStringLiteral("test database admin"),
                                [&](pqxx::transaction_base &txn) -> Status {
                                    txn.exec(sql);
                                    return {};
                                });
}

}  // namespace

Result<std::unique_ptr<PgTestDatabase>> PgTestDatabase::create(const PgSettings &server,
                                                               const QString &prefix)
{
    const QString name = QStringLiteral("tst_%1_%2")
                             .arg(prefix.toLower())
                             .arg(QRandomGenerator::global()->generate64(), 0, 36);
    if (Status created = runOnServer(server, "CREATE DATABASE " + name.toStdString()); !created)
        return created.error();
    return std::unique_ptr<PgTestDatabase>(new PgTestDatabase(server, name));
}

PgTestDatabase::PgTestDatabase(PgSettings server, QString name)
    : m_server(std::move(server))
    , m_settings(m_server)
    , m_name(std::move(name))
{
    m_settings.options.insert(QStringLiteral("dbname"), m_name);
}

PgTestDatabase::~PgTestDatabase()
{
    const Status dropped =
        runOnServer(m_server, "DROP DATABASE IF EXISTS " + m_name.toStdString() + " WITH (FORCE)");
    if (!dropped)
        qWarning("could not drop test database %s: %s", qPrintable(m_name),
                 qPrintable(dropped.error().toString()));
}

const QString &PgTestDatabase::name() const
{
    return m_name;
}

const PgSettings &PgTestDatabase::settings() const
{
    return m_settings;
}

}  // namespace tiersync::test
