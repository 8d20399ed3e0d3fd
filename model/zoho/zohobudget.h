#pragma once

#include "core/error.h"
#include "zoho/zohoapifamily.h"
#include "zoho/zohocallpurpose.h"
#include "zoho/zoholimits.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <array>
#include <variant>

namespace tiersync {

// One call asking for budget. Reads and webhooks are interactive; syncs are background
// and yield to them (read reserve, read-first, a lower daily stop).
struct ZohoBudgetRequest final {
    ZohoApiFamily family = ZohoApiFamily::Books;
    ZohoCallPurpose purpose = ZohoCallPurpose::Read;
    int credits = 1;          // CRM API credits (1 for Books and Inventory)
    // How long the concurrency slot is held at most: a holder that dies (or a call that is
    // never released) gives its slot back after this.
    qint64 leaseMs = 35000;
    // The longest this call will wait (-1: no limit). A read told to wait longer gives up
    // (and is served stale), so it does not hold syncs back for a slot it will not take.
    qint64 maxWaitMs = -1;
};

// A granted call: its slot in the family's concurrency. Opaque to the caller, who hands
// it back to release().
struct ZohoLease final {
    quint64 id = 0;
    ZohoApiFamily family = ZohoApiFamily::Books;
    ZohoCallPurpose purpose = ZohoCallPurpose::Read;
    qint64 expiresAtMs = 0;
};

enum class ZohoLeaseRelease {
    Now,              // the answer arrived: the slot is free
    KeepUntilExpiry,  // aborted or timed out: Zoho may still be working on it
};

// Why an acquire must wait; the client schedules its next try after Wait::ms.
enum class ZohoBudgetWaitReason { Window, Concurrency, ReadFirst, Paused };

// Where the budget is kept; shown by the console.
enum class ZohoBudgetMode { Local, Shared, Fallback };

[[nodiscard]] QString zohoBudgetModeName(ZohoBudgetMode mode);  // "local", "shared", "fallback"

struct ZohoBudgetFamilySnapshot final {
    int windowUsed = 0;        // calls in the current window (window + slack)
    int windowLimit = 0;
    int inFlight = 0;          // leases held, kept ones included
    int concurrency = 0;
    qint64 dayUsed = 0;        // calls (CRM: credits) counted today / in the last 24 h
    qint64 dayLimit = 0;       // 0: no daily budget
    qint64 haltedUntilMs = 0;  // a rejection stopped the family until then (0: not)
    qint64 pausedUntilMs = 0;
    QString haltReason;
};

struct ZohoBudgetSnapshot final {
    ZohoBudgetMode mode = ZohoBudgetMode::Local;
    qint64 atMs = 0;
    std::array<ZohoBudgetFamilySnapshot, kZohoApiFamilyCount> families{};

    [[nodiscard]] const ZohoBudgetFamilySnapshot &of(ZohoApiFamily family) const
    {
        return families[size_t(family)];
    }
};

// The organisation's Zoho budget: per-window calls, concurrency and the daily budget of
// each family, shared by whoever holds the same instance (LocalZohoBudget: one process;
// a Redis implementation: every process). Each method is one decision with no callback
// into the caller, so a shared implementation answers acquire() in one round trip and
// may piggy-back releases on it. Implementations are thread-safe.
class ZohoBudget {
public:
    struct Granted {
        ZohoLease lease;
    };
    struct Wait {
        qint64 ms = 0;   // ask again after this long
        ZohoBudgetWaitReason reason = ZohoBudgetWaitReason::Window;
    };
    struct Stopped {
        Error error;          // RateLimited, with the reason and when it ends
        qint64 untilMs = 0;   // epoch ms when asking again may succeed
    };
    using Decision = std::variant<Granted, Wait, Stopped>;
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    ZohoBudget() = default;
    virtual ~ZohoBudget() = default;
    Q_DISABLE_COPY_MOVE(ZohoBudget)

    // Takes a slot for one call now, or says how long to wait, or that this purpose may
    // not call this family until a reset (daily budget spent, Zoho said 45).
    [[nodiscard]] virtual Decision acquire(const ZohoBudgetRequest &request) = 0;
    // Gives a granted slot back. The window and daily counts keep the call either way.
    virtual void release(const ZohoLease &lease, ZohoLeaseRelease mode) = 0;
    // Zoho refused a call for its limits (error.kind RateLimited, code 44/45/1070/
    // TOO_MANY_REQUESTS) with these response headers: Books 44 holds the family for the
    // rest of the window, 45 and spent CRM credits stop it until the reset, 1070 and
    // other TOO_MANY_REQUESTS pause it briefly.
    virtual void reportRejection(ZohoApiFamily family, const Error &error, const Headers &headers) = 0;
    virtual void setLimits(const ZohoLimits &limits) = 0;
    [[nodiscard]] virtual ZohoLimits limits() const = 0;
    [[nodiscard]] virtual ZohoBudgetSnapshot snapshot() const = 0;
    // Where the budget is kept right now, without a round trip (for the heartbeat).
    // Local unless an implementation shares it.
    [[nodiscard]] virtual ZohoBudgetMode mode() const;
};

}  // namespace tiersync
