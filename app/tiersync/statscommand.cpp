#include "statscommand.h"

#include "cache/endpointregistry.h"
#include "cache/statsstore.h"
#include "cache/zohocallstore.h"
#include "redis/redisconnection.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace tiersync::cli {

namespace {

QJsonObject toJson(const StatsCounts &counts)
{
    const auto number = [&](StatsCounter counter) { return double(counts.value(counter)); };
    return QJsonObject{{QStringLiteral("requests"), number(StatsCounter::Requests)},
                       {QStringLiteral("redis"), number(StatsCounter::Redis)},
                       {QStringLiteral("postgres"), number(StatsCounter::Postgres)},
                       {QStringLiteral("zoho"), number(StatsCounter::Zoho)},
                       {QStringLiteral("stale"), number(StatsCounter::Stale)},
                       {QStringLiteral("errors"), number(StatsCounter::Errors)},
                       {QStringLiteral("coalesced"), number(StatsCounter::Coalesced)},
                       {QStringLiteral("misses"), number(StatsCounter::Misses)},
                       {QStringLiteral("zoho_calls"), number(StatsCounter::ZohoCalls)},
                       {QStringLiteral("early_refreshes"), number(StatsCounter::EarlyRefreshes)},
                       {QStringLiteral("hit_rate"), counts.hitRate()},
                       {QStringLiteral("p50_ms"), double(counts.latencyQuantileUs(0.5)) / 1000.0},
                       {QStringLiteral("p99_ms"), double(counts.latencyQuantileUs(0.99)) / 1000.0}};
}

QJsonObject toJson(const ZohoCallCounts &counts)
{
    QJsonObject object;
    for (int i = 0; i < kZohoCallPurposeCount; ++i)
        object.insert(QString::fromLatin1(zohoCallPurposeField(ZohoCallPurpose(i))), double(counts.calls[size_t(i)]));
    object.insert(QStringLiteral("total"), double(counts.total()));
    return object;
}

QString latency(qint64 us)
{
    if (us < 0)
        return QStringLiteral(">10s");
    return us < 1000 ? QStringLiteral("%1us").arg(us) : QStringLiteral("%1ms").arg(double(us) / 1000.0);
}

}  // namespace

int runStatsCommand(const ConnectionProfile &profile, const QStringList &arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    bool json = false;
    int minutes = 60;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        if (arg == QLatin1String("--json")) {
            json = true;
        } else if (arg == QLatin1String("--minutes") && i + 1 < arguments.size()) {
            bool ok = false;
            minutes = arguments.at(++i).toInt(&ok);
            if (!ok || minutes < 1 || minutes > 48 * 60) {
                err << "tiersync stats: --minutes takes 1 to 2880\n";
                return 2;
            }
        } else {
            err << "tiersync stats: unknown argument '" << arg << "'\n"
                << "usage: tiersync stats [--json] [--minutes N]\n";
            return 2;
        }
    }
    auto registry = EndpointRegistry::builtIn();
    if (!registry) {
        err << "tiersync stats: " << registry.error().message << '\n';
        return 1;
    }
    RedisConnection redis(profile.redis);
    auto sums = StatsStore(redis).sumRecent(registry->names(), QDateTime::currentMSecsSinceEpoch(), minutes);
    if (!sums) {
        err << "tiersync stats: cannot read statistics from Redis at " << profile.redis.toUrl() << ": "
            << sums.error().message << '\n';
        return 1;
    }
    // Zoho's rate limit is per organisation: every instance's reads, syncs and webhook
    // re-fetches, this minute and over the last hour (one round trip).
    auto zohoCalls = ZohoCallStore(redis).series(QDateTime::currentMSecsSinceEpoch(), 60);
    if (!zohoCalls) {
        err << "tiersync stats: cannot read the Zoho call counts from Redis at " << profile.redis.toUrl() << ": "
            << zohoCalls.error().message << '\n';
        return 1;
    }
    const ZohoCallCounts lastMinute = zohoCalls->isEmpty() ? ZohoCallCounts{} : zohoCalls->last();
    ZohoCallCounts lastHour;
    for (const ZohoCallCounts &minute : std::as_const(*zohoCalls))
        lastHour += minute;
    if (json) {
        QJsonObject endpoints;
        for (const QString &name : registry->names())
            endpoints.insert(name, toJson(sums->value(name)));
        out << QJsonDocument(QJsonObject{{QStringLiteral("endpoints"), endpoints},
                                         {QStringLiteral("minutes"), minutes},
                                         {QStringLiteral("zoho_calls"),
                                          QJsonObject{{QStringLiteral("last_minute"), toJson(lastMinute)},
                                                      {QStringLiteral("last_hour"), toJson(lastHour)}}}})
                   .toJson(QJsonDocument::Compact)
            << '\n';
        return 0;
    }
    out << QStringLiteral("read path, last %1 min, all instances\n").arg(minutes);
    const QStringList header = {QStringLiteral("endpoint"), QStringLiteral("requests"), QStringLiteral("redis"),
                                QStringLiteral("postgres"), QStringLiteral("zoho"), QStringLiteral("stale"),
                                QStringLiteral("errors"), QStringLiteral("coalesced"), QStringLiteral("hit rate"),
                                QStringLiteral("p50"), QStringLiteral("p99")};
    const auto row = [&](const QStringList &cells) {
        QString line = cells.first().leftJustified(12);
        for (qsizetype i = 1; i < cells.size(); ++i)
            line += cells.at(i).rightJustified(10);
        out << line << '\n';
    };
    row(header);
    for (const QString &name : registry->names()) {
        const StatsCounts &counts = (*sums)[name];
        const auto cell = [&](StatsCounter counter) { return QString::number(counts.value(counter)); };
        row({name, cell(StatsCounter::Requests), cell(StatsCounter::Redis), cell(StatsCounter::Postgres),
             cell(StatsCounter::Zoho), cell(StatsCounter::Stale), cell(StatsCounter::Errors),
             cell(StatsCounter::Coalesced),
             counts.value(StatsCounter::Requests) ? QStringLiteral("%1%").arg(counts.hitRate() * 100.0, 0, 'f', 1)
                                                   : QStringLiteral("-"),
             counts.value(StatsCounter::Requests) ? latency(counts.latencyQuantileUs(0.5)) : QStringLiteral("-"),
             counts.value(StatsCounter::Requests) ? latency(counts.latencyQuantileUs(0.99)) : QStringLiteral("-")});
    }
    out << QStringLiteral("\nZoho calls, whole organisation (rate limit budget), all instances\n");
    row({QString(), QStringLiteral("read"), QStringLiteral("sync"), QStringLiteral("webhook"), QStringLiteral("total")});
    for (const auto &[label, counts] : {std::pair{QStringLiteral("last minute"), lastMinute},
                                        std::pair{QStringLiteral("last hour"), lastHour}}) {
        const auto cell = [&](ZohoCallPurpose purpose) { return QString::number(counts.value(purpose)); };
        row({label, cell(ZohoCallPurpose::Read), cell(ZohoCallPurpose::Sync), cell(ZohoCallPurpose::Webhook),
             QString::number(counts.total())});
    }
    return 0;
}

}  // namespace tiersync::cli
