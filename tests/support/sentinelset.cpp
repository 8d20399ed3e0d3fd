#include "sentinelset.h"

#include "redis/redisconnection.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QThread>

namespace tiersync::test {

namespace {

// Only stops a broken set-up from hanging: each wait is over in well under a second here.
constexpr int kWaitBoundMs = 60000;

}  // namespace

SentinelSet::SentinelSet()
    : m_primary(std::make_unique<PrivateRedisServer>()),
      m_replica(std::make_unique<PrivateRedisServer>()),
      m_sentinel(std::make_unique<PrivateRedisServer>())
{
}

SentinelSet::~SentinelSet()
{
    m_sentinel.reset();
    m_replica.reset();
    m_primary.reset();
}

Status SentinelSet::start(int downAfterMs)
{
    if (Status started = m_primary->start(); !started)
        return started;
    if (Status started = m_replica->start(0, {}, {QStringLiteral("--replicaof"),
                                                  QStringLiteral("127.0.0.1 %1").arg(m_primary->port())});
        !started)
        return started;
    // In sync first: the sentinel then finds the replica in the primary's first INFO
    // instead of ten seconds later.
    if (Status synced = waitForReplicaInSync(); !synced)
        return synced;
    if (Status started = m_sentinel->startSentinel(QLatin1String(kMasterName), m_primary->port(), downAfterMs);
        !started)
        return started;
    return waitForSentinelToKnowReplica();
}

void SentinelSet::killPrimary()
{
    m_primary->kill();
}

RedisSettings SentinelSet::settings(int db) const
{
    RedisSettings settings;
    settings.sentinels = {{QStringLiteral("127.0.0.1"), m_sentinel->port()}};
    settings.masterName = QLatin1String(kMasterName);
    settings.host = QStringLiteral("127.0.0.1");
    settings.port = m_sentinel->port();
    settings.db = db;
    settings.connectTimeoutMs = 500;
    settings.commandTimeoutMs = 1000;
    return settings;
}

Status SentinelSet::waitForReplicaInSync()
{
    RedisConnection replica(m_replica->settings());
    const QDeadlineTimer deadline(kWaitBoundMs);
    while (!deadline.hasExpired()) {
        auto role = replica.command({"ROLE"});
        if (role && role->elements().size() >= 4 && role->elements().at(3).bytes() == "connected")
            return {};
        QThread::msleep(20);
    }
    return makeError(ErrorKind::Timeout, QStringLiteral("the replica on port %1 never synced").arg(m_replica->port()));
}

Status SentinelSet::waitForSentinelToKnowReplica()
{
    RedisConnection sentinel(m_sentinel->settings());
    const QDeadlineTimer deadline(kWaitBoundMs);
    while (!deadline.hasExpired()) {
        // Found, and talked to: a replica the sentinel has only heard of (flags
        // "s_down,slave,disconnected") is no candidate for a failover yet.
        auto replicas = sentinel.command({"SENTINEL", "REPLICAS", kMasterName});
        if (replicas && !replicas->elements().isEmpty()) {
            const QHash<QByteArray, QByteArray> fields = replicas->elements().first().fieldPairs();
            if (fields.value("flags") == "slave" && fields.value("master-link-status") == "ok")
                return {};
        }
        QThread::msleep(50);
    }
    return makeError(ErrorKind::Timeout, QStringLiteral("the sentinel never found the replica"));
}

}  // namespace tiersync::test
