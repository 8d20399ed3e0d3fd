#include "simfaultconfig.h"

#include <QJsonArray>

namespace tiersync::sim {
namespace {

Error bad(const QString &message)
{
    return makeError(ErrorKind::InvalidArgument, message);
}

}  // namespace

QJsonObject SimFaultConfig::toJson() const
{
    return QJsonObject{
        {QStringLiteral("latency_ms"), QJsonArray{latencyMinMs, latencyMaxMs}},
        {QStringLiteral("error_5xx"), error5xx},
        {QStringLiteral("rate_429"), rate429},
        {QStringLiteral("timeout"), timeout},
        {QStringLiteral("reset"), reset},
        {QStringLiteral("timeout_ms"), timeoutMs},
        {QStringLiteral("rate_429_code"), rate429Code},
        {QStringLiteral("retry_after_s"), retryAfterS},
        {QStringLiteral("paging"), simPagingFaultName(paging)},
        {QStringLiteral("paging_path"), pagingPath},
        {QStringLiteral("fail_next"), failNext},
        {QStringLiteral("fail_status"), failStatus},
        {QStringLiteral("drift"), drift.toJson()},
    };
}

Result<SimFaultConfig> SimFaultConfig::merged(const QJsonObject &changes) const
{
    SimFaultConfig next = *this;
    for (auto it = changes.begin(); it != changes.end(); ++it) {
        const QString &key = it.key();
        const QJsonValue value = it.value();
        if (key == QLatin1String("latency_ms")) {
            if (value.isDouble()) {
                next.latencyMinMs = next.latencyMaxMs = value.toInt(-1);
            } else {
                const QJsonArray range = value.toArray();
                if (range.size() != 2)
                    return bad(QStringLiteral("latency_ms: expected [min, max] or a number"));
                next.latencyMinMs = range.at(0).toInt(-1);
                next.latencyMaxMs = range.at(1).toInt(-1);
            }
            if (next.latencyMinMs < 0 || next.latencyMaxMs < next.latencyMinMs || next.latencyMaxMs > 600000)
                return bad(QStringLiteral("latency_ms: expected 0 <= min <= max <= 600000"));
        } else if (key == QLatin1String("error_5xx") || key == QLatin1String("rate_429")
                   || key == QLatin1String("timeout") || key == QLatin1String("reset")) {
            const double probability = value.toDouble(-1);
            if (!value.isDouble() || probability < 0 || probability > 1)
                return bad(QStringLiteral("%1: expected a probability in [0, 1]").arg(key));
            (key == QLatin1String("error_5xx") ? next.error5xx
             : key == QLatin1String("rate_429") ? next.rate429
             : key == QLatin1String("timeout")  ? next.timeout
                                                : next.reset) = probability;
        } else if (key == QLatin1String("timeout_ms")) {
            next.timeoutMs = value.toInt(-1);
            if (next.timeoutMs < 0 || next.timeoutMs > 3600000)
                return bad(QStringLiteral("timeout_ms: expected 0..3600000"));
        } else if (key == QLatin1String("rate_429_code")) {
            next.rate429Code = value.toInt(-1);
            if (next.rate429Code != 44 && next.rate429Code != 45 && next.rate429Code != 1070)
                return bad(QStringLiteral("rate_429_code: expected 44, 45 or 1070"));
        } else if (key == QLatin1String("retry_after_s")) {
            next.retryAfterS = value.toInt(-1);
            if (next.retryAfterS < 0 || next.retryAfterS > 86400)
                return bad(QStringLiteral("retry_after_s: expected 0..86400"));
        } else if (key == QLatin1String("paging")) {
            const auto fault = simPagingFaultFromName(value.toString());
            if (!value.isString() || !fault)
                return bad(QStringLiteral("paging: expected none, endless_empty, same_page, page_not_echoed, overlap or skip"));
            next.paging = *fault;
        } else if (key == QLatin1String("fail_next")) {
            next.failNext = value.toInt(-1);
            if (next.failNext < 0 || next.failNext > 1000000)
                return bad(QStringLiteral("fail_next: expected 0..1000000"));
        } else if (key == QLatin1String("fail_status")) {
            next.failStatus = value.toInt(-1);
            if (next.failStatus != 0 && next.failStatus != 304 && (next.failStatus < 400 || next.failStatus > 599))
                return bad(QStringLiteral("fail_status: expected 0 (a timeout), 304 or 400..599"));
        } else if (key == QLatin1String("paging_path")) {
            if (!value.isString())
                return bad(QStringLiteral("paging_path: expected a path such as /crm/v2/Grades/deleted"));
            next.pagingPath = value.toString();
        } else if (key == QLatin1String("drift")) {
            auto drift = SimDriftConfig::fromJson(value);
            if (!drift)
                return drift.error();
            next.drift = *drift;
        } else {
            return bad(QStringLiteral("unknown fault '%1'").arg(key));
        }
    }
    return next;
}

}  // namespace tiersync::sim
