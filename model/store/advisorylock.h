#pragma once

#include "core/result.h"

#include <QString>
#include <QtGlobal>

namespace tiersync {

class PgConnection;

// A session-level PostgreSQL advisory lock named by a string, e.g. "one sync of
// products across every instance" (syncLockName("products")). The lock belongs to
// the connection's server session: if that session dies the lock is released by the
// server, and isHeld() turns false (compare generation), so a holder must check it
// before trusting the lock after an error.
//
// Key: pg_try_advisory_lock(int4 kLockSpace, hashtext(name)); the two-int form keeps
// these apart from other users of advisory locks (the migrator uses the bigint form).
// Same thread rules as the PgConnection it uses.
class AdvisoryLock final {
public:
    static constexpr int kLockSpace = 0x74737963;  // 'tsyc'

    AdvisoryLock(PgConnection &connection, QString name);
    ~AdvisoryLock();  // unlocks if held
    Q_DISABLE_COPY_MOVE(AdvisoryLock)

    [[nodiscard]] static QString syncLockName(const QString &entityType);

    [[nodiscard]] const QString &name() const;
    // Takes the lock without waiting; true when this object holds it now (also when
    // it already did), false when another session holds it.
    [[nodiscard]] Result<bool> tryLock();
    // Releases it; a no-op when not held.
    [[nodiscard]] Status unlock();
    [[nodiscard]] bool isHeld() const;

private:
    PgConnection &m_connection;
    QString m_name;
    bool m_held = false;
    quint64 m_generation = 0;
};

}  // namespace tiersync
