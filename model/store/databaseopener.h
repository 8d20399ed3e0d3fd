#pragma once

#include "core/epochclock.h"
#include "core/pgsettings.h"
#include "core/result.h"
#include "store/migrator.h"

#include <QMutex>

#include <optional>

namespace tiersync {

class PgConnection;

// Brings one database up to this build's schema once per process, for every thread and
// every part of the engine that needs it (the CLI's commands, the cache engine, each of
// the console's workers). The first caller migrates on its own thread's connection; the
// others wait for that to finish and share its outcome. Success is remembered for the
// life of the opener; a failure (PostgreSQL away, a migration refused) is remembered for
// retryAfterMs, so a dead server costs one connection attempt per interval instead of one
// per call, and the next call after that tries again.
class DatabaseOpener final {
public:
    struct Options {
        qint64 retryAfterMs = 1000;
        EpochClock clock;  // null: the system clock
    };

    explicit DatabaseOpener(PgSettings settings);
    DatabaseOpener(PgSettings settings, Options options, Migrator migrator = {});
    Q_DISABLE_COPY_MOVE(DatabaseOpener)

    [[nodiscard]] const PgSettings &settings() const { return m_settings; }

    // Thread-safe. Migrates on PgConnection::forCurrentThread(settings()) unless that was
    // already done; the result counts the migrations this call applied (0 once done).
    [[nodiscard]] Result<int> ensureMigrated();
    // The same, on a connection the caller already holds for this database.
    [[nodiscard]] Result<int> ensureMigrated(PgConnection &connection);

    // How many times a migration was attempted (for tests and the console's diagnostics).
    [[nodiscard]] int attempts() const;

private:
    PgSettings m_settings;
    Options m_options;
    Migrator m_migrator;
    EpochClock m_clock;

    mutable QMutex m_mutex;  // held while migrating: the others wait and share the outcome
    bool m_migrated = false;
    std::optional<Error> m_lastError;
    qint64 m_lastErrorAtMs = 0;
    int m_attempts = 0;
};

}  // namespace tiersync
