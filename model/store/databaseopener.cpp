#include "store/databaseopener.h"

#include "store/pgconnection.h"

namespace tiersync {

DatabaseOpener::DatabaseOpener(PgSettings settings) : DatabaseOpener(std::move(settings), Options{}) {}

DatabaseOpener::DatabaseOpener(PgSettings settings, Options options, Migrator migrator)
    : m_settings(std::move(settings))
    , m_options(std::move(options))
    , m_migrator(std::move(migrator))
    , m_clock(orSystemEpochClock(m_options.clock))
{
}

Result<int> DatabaseOpener::ensureMigrated()
{
    {
        QMutexLocker lock(&m_mutex);
        if (m_migrated)
            return 0;
    }
    return ensureMigrated(PgConnection::forCurrentThread(m_settings));
}

Result<int> DatabaseOpener::ensureMigrated(PgConnection &connection)
{
    QMutexLocker lock(&m_mutex);
    if (m_migrated)
        return 0;
    const qint64 now = m_clock();
    if (m_lastError && now >= m_lastErrorAtMs && now - m_lastErrorAtMs < m_options.retryAfterMs)
        return *m_lastError;
    ++m_attempts;
    Result<int> applied = m_migrator.migrate(connection);
    if (!applied) {
        m_lastError = applied.error();
        m_lastErrorAtMs = now;
        return applied;
    }
    m_migrated = true;
    m_lastError.reset();
    return applied;
}

int DatabaseOpener::attempts() const
{
    QMutexLocker lock(&m_mutex);
    return m_attempts;
}

}  // namespace tiersync
