#include "cache/prometheustext.h"

namespace tiersync {

namespace {

void header(QByteArray &out, const char *name, const char *type, const char *help)
{
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

// Endpoint names are [a-z0-9_-] (registry-validated), so they need no label escaping.
void counterPerEndpoint(QByteArray &out, const PrometheusInput &input, const char *name, const char *help,
                        StatsCounter counter)
{
    header(out, name, "counter", help);
    for (const auto &[endpoint, counts] : input.endpoints)
        out += QByteArray(name) + "{endpoint=\"" + endpoint.toUtf8() + "\"} "
               + QByteArray::number(counts.value(counter)) + '\n';
}

}  // namespace

QByteArray prometheusText(const PrometheusInput &input)
{
    QByteArray out;
    header(out, "tiersync_requests_total", "counter", "Reads answered, by the tier that answered them.");
    const QList<QPair<const char *, StatsCounter>> sources = {{"redis", StatsCounter::Redis},
                                                             {"postgres", StatsCounter::Postgres},
                                                             {"zoho", StatsCounter::Zoho},
                                                             {"stale", StatsCounter::Stale}};
    for (const auto &[endpoint, counts] : input.endpoints) {
        for (const auto &[source, counter] : sources)
            out += "tiersync_requests_total{endpoint=\"" + endpoint.toUtf8() + "\",source=\"" + source + "\"} "
                   + QByteArray::number(counts.value(counter)) + '\n';
    }
    counterPerEndpoint(out, input, "tiersync_errors_total", "Reads that ended in an error.", StatsCounter::Errors);
    counterPerEndpoint(out, input, "tiersync_misses_total", "Reads Redis did not answer.", StatsCounter::Misses);
    counterPerEndpoint(out, input, "tiersync_zoho_calls_total", "Fetches from Zoho.", StatsCounter::ZohoCalls);
    counterPerEndpoint(out, input, "tiersync_coalesced_total", "Reads that waited for another read's fetch.",
                       StatsCounter::Coalesced);
    counterPerEndpoint(out, input, "tiersync_early_refreshes_total", "Background refreshes before expiry.",
                       StatsCounter::EarlyRefreshes);
    counterPerEndpoint(out, input, "tiersync_redis_failures_total", "Redis calls failed or skipped.",
                       StatsCounter::RedisFailures);
    counterPerEndpoint(out, input, "tiersync_pg_failures_total", "PostgreSQL calls failed or skipped.",
                       StatsCounter::PgFailures);
    counterPerEndpoint(out, input, "tiersync_corrupt_values_total", "Redis values that did not decode.",
                       StatsCounter::Corrupt);

    header(out, "tiersync_request_duration_seconds", "histogram", "Read latency.");
    for (const auto &[endpoint, counts] : input.endpoints) {
        const QByteArray label = "endpoint=\"" + endpoint.toUtf8() + "\"";
        quint64 cumulative = 0;
        for (int i = 0; i < kLatencyBucketCount; ++i) {
            cumulative += counts.latencyBuckets[size_t(i)];
            const QByteArray le = i < int(kLatencyBoundsUs.size())
                                      ? QByteArray::number(double(kLatencyBoundsUs[size_t(i)]) / 1e6, 'g', 6)
                                      : QByteArrayLiteral("+Inf");
            out += "tiersync_request_duration_seconds_bucket{" + label + ",le=\"" + le + "\"} "
                   + QByteArray::number(cumulative) + '\n';
        }
        out += "tiersync_request_duration_seconds_sum{" + label + "} "
               + QByteArray::number(double(counts.latencySumUs) / 1e6, 'f', 6) + '\n';
        out += "tiersync_request_duration_seconds_count{" + label + "} " + QByteArray::number(cumulative) + '\n';
    }

    header(out, "tiersync_caching_enabled", "gauge", "1 when the cache is in use, 0 when switched off.");
    out += "tiersync_caching_enabled " + QByteArray(input.cachingEnabled ? "1" : "0") + '\n';
    header(out, "tiersync_zoho_circuit_state", "gauge", "1 for the Zoho circuit breaker's current state.");
    for (CircuitState state : {CircuitState::Closed, CircuitState::HalfOpen, CircuitState::Open})
        out += "tiersync_zoho_circuit_state{state=\"" + circuitStateName(state).toUtf8() + "\"} "
               + QByteArray(state == input.circuit ? "1" : "0") + '\n';
    return out;
}

}  // namespace tiersync
