#pragma once

#include "core/redissettings.h"
#include "core/result.h"
#include "privateredisserver.h"

#include <QString>

#include <memory>

namespace tiersync::test {

// Redis made highly available the way most production Redis is, on loopback and of the
// caller's own: a primary, its replica (in sync before start() returns) and one Sentinel
// (quorum 1) that has found both. killPrimary() is a crash (SIGKILL); the sentinel then
// promotes the replica after downAfterMs.
class SentinelSet final {
public:
    static constexpr char kMasterName[] = "tiersync-primary";

    SentinelSet();
    ~SentinelSet();
    Q_DISABLE_COPY_MOVE(SentinelSet)

    [[nodiscard]] Status start(int downAfterMs = 1000);
    void killPrimary();
    // Settings that reach the primary through the sentinel (database db).
    [[nodiscard]] RedisSettings settings(int db = 0) const;

    [[nodiscard]] PrivateRedisServer &primary() { return *m_primary; }
    [[nodiscard]] PrivateRedisServer &replica() { return *m_replica; }
    [[nodiscard]] PrivateRedisServer &sentinel() { return *m_sentinel; }

private:
    [[nodiscard]] Status waitForReplicaInSync();
    [[nodiscard]] Status waitForSentinelToKnowReplica();

    std::unique_ptr<PrivateRedisServer> m_primary;
    std::unique_ptr<PrivateRedisServer> m_replica;
    std::unique_ptr<PrivateRedisServer> m_sentinel;
};

}  // namespace tiersync::test
