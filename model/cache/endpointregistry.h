#pragma once

#include "cache/endpointdefinition.h"
#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace tiersync {

// The dashboard endpoints, loaded from resources/endpoints.json (compiled in as
// :/tiersync/endpoints.json). Adding an endpoint is an edit to that file, not to code.
// Loading validates everything up front and names the offending endpoint and field, so
// a bad registry fails at start rather than on the first request.
class EndpointRegistry final {
public:
    static constexpr char kResourcePath[] = ":/tiersync/endpoints.json";
    static constexpr qint64 kDefaultRedisTtlSeconds = 300;
    static constexpr qint64 kDefaultPgFreshnessSeconds = 300;

    EndpointRegistry() = default;  // empty

    // The registry compiled into the engine.
    [[nodiscard]] static Result<EndpointRegistry> builtIn();
    [[nodiscard]] static Result<EndpointRegistry> fromFile(const QString &path);
    [[nodiscard]] static Result<EndpointRegistry> fromJson(const QByteArray &json,
                                                          const QString &origin = QStringLiteral("endpoint registry"));

    [[nodiscard]] const QList<EndpointDefinition> &endpoints() const { return m_endpoints; }
    [[nodiscard]] QStringList names() const;
    [[nodiscard]] bool contains(const QString &name) const;
    // nullptr for an unknown name. Valid as long as the registry lives unchanged.
    [[nodiscard]] const EndpointDefinition *find(const QString &name) const;
    // Whether some endpoint names entityType as its feed.
    [[nodiscard]] bool isFeed(const QString &entityType) const;
    // The endpoints fed by entityType, in registry order. Valid as long as the registry lives unchanged.
    [[nodiscard]] QList<const EndpointDefinition *> fedBy(const QString &entityType) const;

private:
    QList<EndpointDefinition> m_endpoints;
};

}  // namespace tiersync
