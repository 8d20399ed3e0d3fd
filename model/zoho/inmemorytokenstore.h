#pragma once

#include "core/epochclock.h"
#include "zoho/tokenstore.h"

#include <deque>

namespace tiersync {

// A TokenStore of one process: the token in memory, no lock to share (ZohoAuth runs one
// refresh at a time), "Access Denied" remembered until its window ends. This is what a
// ZohoAuth uses when nothing is injected, and what RedisTokenStore falls back to while
// Redis is unreachable; there refreshLimit > 0 bounds this process's own refreshes per
// refreshWindowMs (counting the ones it made while Redis was still reachable).
class InMemoryTokenStore final : public TokenStore {
public:
    struct Options {
        EpochClock clock;                 // null: the system clock
        QString owner;                    // refreshedBy of what it stores; empty: this host:pid
        int refreshLimit = 0;             // refreshes per window; 0 = unbounded
        qint64 refreshWindowMs = 600000;
    };

    InMemoryTokenStore();
    explicit InMemoryTokenStore(Options options);

    [[nodiscard]] Result<std::optional<StoredToken>> load() override;
    [[nodiscard]] Result<RefreshTicket> beginRefresh(qint64 lockMs) override;
    [[nodiscard]] Result<StoredToken> finishRefresh(const RefreshTicket &ticket, const OAuthToken &token) override;
    void abandonRefresh(const RefreshTicket &ticket, const Error &why, qint64 throttledUntilMs) override;
    void drop(const StoredToken &failed) override;

    // Keeps `token` as the current one (RedisTokenStore, when Redis did not take it).
    void keep(const StoredToken &token);
    // Logs a refresh this process made at atMs (counted against refreshLimit).
    void noteRefresh(qint64 atMs);
    [[nodiscard]] qint64 nowMs() const { return m_clock(); }

    // "host:pid" of this process.
    [[nodiscard]] static QString processName();

private:
    void trimLog(qint64 nowMs);

    EpochClock m_clock;
    Options m_options;
    std::optional<StoredToken> m_token;
    qint64 m_throttledUntilMs = 0;
    QString m_throttledBy;
    std::deque<qint64> m_refreshLog;
    quint64 m_sequence = 0;
};

}  // namespace tiersync
