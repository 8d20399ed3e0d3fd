// Helper of tst_leaseexpiry: a process that takes concurrency leases and then hangs on to
// them until it is killed, as a tiersync process that dies mid-call would.
// budget_lease_holder <scope> <now_ms> <count> <lease_ms>, Redis from TIERSYNC_REDIS_URL (the
// environment, so a password never shows in a process listing).
// Prints "held <count>" once it holds them all, then sleeps.
#include "budget/rediszohobudget.h"
#include "core/connectionprofile.h"

#include <QCoreApplication>
#include <QThread>

#include <cstdio>

using namespace tiersync;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 5) {
        std::fprintf(stderr, "usage: TIERSYNC_REDIS_URL=redis://… budget_lease_holder SCOPE NOW_MS COUNT LEASE_MS\n");
        return 2;
    }
    const auto redis = RedisSettings::fromUrl(qEnvironmentVariable(env::kRedisUrl));
    if (!redis) {
        std::fprintf(stderr, "budget_lease_holder: %s: %s\n", env::kRedisUrl, qPrintable(redis.error().message));
        return 2;
    }
    const QString scope = args[1];
    ZohoSettings zoho;
    zoho.orgId = scope + QStringLiteral("-org");
    zoho.clientId = scope + QStringLiteral("-client");
    const qint64 now = args[2].toLongLong();
    const int count = args[3].toInt();
    const qint64 leaseMs = args[4].toLongLong();
    if (now <= 0 || count <= 0 || leaseMs <= 0) {
        std::fprintf(stderr, "budget_lease_holder: bad arguments\n");
        return 2;
    }
    RedisZohoBudget::Options options;
    options.clock = [now] { return now; };
    options.instanceId = scope + QStringLiteral(":holder");
    FamilyLimits crm = ZohoLimits::crmDefaults();
    crm.concurrency = count;
    ZohoLimits limits;
    limits.crm = crm;
    RedisZohoBudget budget(*redis, zoho, limits, options);
    for (int i = 0; i < count; ++i) {
        ZohoBudgetRequest request;
        request.family = ZohoApiFamily::Crm;
        request.purpose = ZohoCallPurpose::Read;
        request.leaseMs = leaseMs;
        if (!std::holds_alternative<ZohoBudget::Granted>(budget.acquire(request))
            || budget.mode() != ZohoBudgetMode::Shared) {
            std::fprintf(stderr, "budget_lease_holder: lease %d not granted by Redis\n", i + 1);
            return 1;
        }
    }
    std::printf("held %d\n", count);
    std::fflush(stdout);
    for (;;)
        QThread::sleep(1);
}
