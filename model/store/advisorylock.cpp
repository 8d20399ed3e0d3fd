#include "store/advisorylock.h"

#include "core/logging.h"
#include "store/pgconnection.h"

#include <pqxx/pqxx>

namespace tiersync {

AdvisoryLock::AdvisoryLock(PgConnection &connection, QString name)
    : m_connection(connection)
    , m_name(std::move(name))
{
}

AdvisoryLock::~AdvisoryLock()
{
    if (Status released = unlock(); !released)
        qCWarning(lcPg).noquote() << "could not release advisory lock" << m_name << ':'
                                  << released.error().toString();
}

QString AdvisoryLock::syncLockName(const QString &entityType)
{
    return QStringLiteral("sync:") + entityType;
}

const QString &AdvisoryLock::name() const
{
    return m_name;
}

bool AdvisoryLock::isHeld() const
{
    return m_held && m_connection.generation() == m_generation && m_connection.isOpen();
}

Result<bool> AdvisoryLock::tryLock()
{
    if (isHeld())
        return true;
    m_held = false;
    bool acquired = false;
    Status status = m_connection.nonTransaction(
        QStringLiteral("taking advisory lock %1").arg(m_name),
        [&](pqxx::transaction_base &txn) -> Status {
            acquired = txn.exec_params1("SELECT pg_try_advisory_lock($1, hashtext($2))",
                                        kLockSpace, m_name.toStdString())[0]
                           .as<bool>();
            return {};
        },
        // A lock taken by a session that then died died with it: trying again is safe.
        PgConnection::Idempotency::Idempotent);
    if (!status)
        return status.error();
    m_held = acquired;
    m_generation = m_connection.generation();
    return acquired;
}

Status AdvisoryLock::unlock()
{
    if (!isHeld()) {
        m_held = false;
        return {};
    }
    m_held = false;
    return m_connection.nonTransaction(
        QStringLiteral("releasing advisory lock %1").arg(m_name),
        [&](pqxx::transaction_base &txn) -> Status {
            if (m_connection.generation() != m_generation)
                return {};  // a new session: the old one's lock went with it
            txn.exec_params("SELECT pg_advisory_unlock($1, hashtext($2))", kLockSpace,
                            m_name.toStdString());
            return {};
        });
}

}  // namespace tiersync
