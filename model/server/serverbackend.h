#pragma once

#include "cache/endpointresponse.h"
#include "core/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace tiersync {

// What the HTTP server needs from the engine. Every method is called concurrently from
// the server's worker threads and may block (each worker thread has its own Redis and
// PostgreSQL connections). The cache engine implements it; server unit tests use a fake.
class ServerBackend {
public:
    virtual ~ServerBackend() = default;

    // True for endpoints in the registry (profile, academics, finance, classes, requests…).
    [[nodiscard]] virtual bool hasEndpoint(const QString &endpoint) const = 0;

    // The tiered read. Errors map to HTTP: InvalidArgument → 400, NotFound → 404,
    // Unavailable / CircuitOpen / Timeout / RateLimited → 503 (nothing cached and Zoho
    // failing), anything else → 500. moodleUserId is already validated (> 0).
    [[nodiscard]] virtual Result<EndpointResponse> read(const QString &endpoint, qint64 moodleUserId,
                                                        bool forceRefresh) = 0;

    // {"status": "ok"|"degraded", "redis": {...}, "postgres": {...}, "zoho": {"circuit": ...},
    //  "caching_enabled": bool}. healthy() decides 200 vs 503.
    [[nodiscard]] virtual QJsonObject health() = 0;

    // Prometheus text exposition format (version 0.0.4) of the per-endpoint statistics.
    [[nodiscard]] virtual QByteArray metrics() = 0;
};

}  // namespace tiersync
