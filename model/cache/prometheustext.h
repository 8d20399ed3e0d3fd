#pragma once

#include "cache/statscounts.h"
#include "zoho/circuitbreaker.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace tiersync {

// The read-path statistics of this instance in the Prometheus text exposition format
// (0.0.4): tiersync_requests_total{endpoint,source}, tiersync_misses_total,
// tiersync_zoho_calls_total, tiersync_errors_total, tiersync_coalesced_total,
// tiersync_early_refreshes_total, tiersync_redis_failures_total,
// tiersync_pg_failures_total, tiersync_corrupt_values_total (all {endpoint}),
// tiersync_request_duration_seconds histogram {endpoint}, tiersync_caching_enabled and
// tiersync_zoho_circuit_state{state} gauges.
struct PrometheusInput final {
    QList<QPair<QString, StatsCounts>> endpoints;
    bool cachingEnabled = true;
    CircuitState circuit = CircuitState::Closed;
};

[[nodiscard]] QByteArray prometheusText(const PrometheusInput &input);

}  // namespace tiersync
