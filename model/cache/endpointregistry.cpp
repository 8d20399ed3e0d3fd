#include "cache/endpointregistry.h"

#include "cache/cachekeys.h"
#include "core/jsonfile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

// Resources of a static library must be registered explicitly, or the linker drops them.
static void initEndpointResources()
{
    Q_INIT_RESOURCE(endpoints);
}

namespace tiersync {

namespace {

// Keys an endpoint may have: anything else is a typo we would rather report than ignore.
const QSet<QString> &knownEndpointKeys()
{
    static const QSet<QString> keys{QStringLiteral("name"), QStringLiteral("description"),
                                    QStringLiteral("zoho"), QStringLiteral("shape"),
                                    QStringLiteral("redis_ttl_seconds"),
                                    QStringLiteral("pg_freshness_seconds"), QStringLiteral("feed")};
    return keys;
}

Error invalid(const QString &origin, const QString &what)
{
    return makeError(ErrorKind::InvalidArgument, QStringLiteral("%1: %2").arg(origin, what));
}

// A positive whole number of seconds, or the fallback when absent.
Result<qint64> seconds(const QJsonObject &object, const QString &key, qint64 fallback,
                       const QString &origin, const QString &where)
{
    if (!object.contains(key))
        return fallback;
    const QJsonValue value = object.value(key);
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number < 1 || number > 31 * 24 * 3600 || number != qint64(number))
        return invalid(origin, QStringLiteral("%1: %2 must be a whole number of seconds between 1 and 2678400")
                                   .arg(where, key));
    return qint64(number);
}

}  // namespace

Result<EndpointRegistry> EndpointRegistry::builtIn()
{
    return fromFile(QString::fromLatin1(kResourcePath));
}

Result<EndpointRegistry> EndpointRegistry::fromFile(const QString &path)
{
    initEndpointResources();
    auto bytes = readWholeFile(path);
    if (!bytes)
        return makeError(ErrorKind::NotFound, QStringLiteral("%1: %2").arg(QStringLiteral("endpoint registry"), bytes.error().message));
    return fromJson(*bytes, path);
}

Result<EndpointRegistry> EndpointRegistry::fromJson(const QByteArray &json, const QString &origin)
{
    auto parsed = parseJsonObject(json);
    if (!parsed)
        return invalid(origin, parsed.error().message);
    const QJsonObject root = *parsed;

    const QJsonObject defaults = root.value(QStringLiteral("defaults")).toObject();
    auto defaultTtl = seconds(defaults, QStringLiteral("redis_ttl_seconds"), kDefaultRedisTtlSeconds,
                              origin, QStringLiteral("defaults"));
    if (!defaultTtl)
        return defaultTtl.error();
    auto defaultFreshness = seconds(defaults, QStringLiteral("pg_freshness_seconds"),
                                    kDefaultPgFreshnessSeconds, origin, QStringLiteral("defaults"));
    if (!defaultFreshness)
        return defaultFreshness.error();

    const QJsonValue list = root.value(QStringLiteral("endpoints"));
    if (!list.isArray() || list.toArray().isEmpty())
        return invalid(origin, QStringLiteral("\"endpoints\" must be a non-empty array"));

    EndpointRegistry registry;
    QSet<QString> seen;
    int index = 0;
    for (const QJsonValue &item : list.toArray()) {
        const QString where = QStringLiteral("endpoint #%1").arg(index++);
        if (!item.isObject())
            return invalid(origin, QStringLiteral("%1 must be an object").arg(where));
        const QJsonObject object = item.toObject();

        EndpointDefinition endpoint;
        endpoint.name = object.value(QStringLiteral("name")).toString();
        if (!cachekeys::isValidName(endpoint.name))
            return invalid(origin, QStringLiteral("%1: \"name\" must be 1-64 characters of a-z, 0-9, '_' or '-'")
                                       .arg(where));
        const QString named = QStringLiteral("endpoint \"%1\"").arg(endpoint.name);
        if (seen.contains(endpoint.name))
            return invalid(origin, QStringLiteral("%1 is defined twice").arg(named));
        seen.insert(endpoint.name);
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!knownEndpointKeys().contains(it.key()))
                return invalid(origin, QStringLiteral("%1: unknown key \"%2\"").arg(named, it.key()));
        }
        endpoint.description = object.value(QStringLiteral("description")).toString();

        const QJsonObject zoho = object.value(QStringLiteral("zoho")).toObject();
        endpoint.zohoModule = zoho.value(QStringLiteral("module")).toString();
        static const QRegularExpression modulePattern(QStringLiteral("^[A-Za-z][A-Za-z0-9_]{0,99}\\z"));
        if (!modulePattern.match(endpoint.zohoModule).hasMatch())
            return invalid(origin, QStringLiteral("%1: \"zoho.module\" must name a CRM module (letters, digits, '_')")
                                       .arg(named));
        endpoint.criteriaTemplate = zoho.value(QStringLiteral("criteria")).toString();
        if (!endpoint.criteriaTemplate.startsWith(QLatin1Char('('))
            || !endpoint.criteriaTemplate.endsWith(QLatin1Char(')'))
            || !endpoint.criteriaTemplate.contains(QLatin1String(EndpointDefinition::kMoodleUserIdPlaceholder)))
            return invalid(origin, QStringLiteral("%1: \"zoho.criteria\" must be a parenthesised CRM criteria "
                                                  "containing %2")
                                       .arg(named, QLatin1String(EndpointDefinition::kMoodleUserIdPlaceholder)));

        const QString shape = object.value(QStringLiteral("shape")).toString(QStringLiteral("array"));
        if (shape == QLatin1String("object"))
            endpoint.shape = EndpointDefinition::Shape::Object;
        else if (shape == QLatin1String("array"))
            endpoint.shape = EndpointDefinition::Shape::Array;
        else
            return invalid(origin, QStringLiteral("%1: \"shape\" must be \"object\" or \"array\", not \"%2\"")
                                       .arg(named, shape));

        auto ttl = seconds(object, QStringLiteral("redis_ttl_seconds"), *defaultTtl, origin, named);
        if (!ttl)
            return ttl.error();
        auto freshness = seconds(object, QStringLiteral("pg_freshness_seconds"), *defaultFreshness, origin, named);
        if (!freshness)
            return freshness.error();
        endpoint.redisTtlSeconds = *ttl;
        endpoint.pgFreshnessSeconds = *freshness;
        if (object.contains(QStringLiteral("feed"))) {
            const QJsonValue feedValue = object.value(QStringLiteral("feed"));
            if (!feedValue.isObject())
                return invalid(origin, QStringLiteral("%1: \"feed\" must be an object with \"entity\" and "
                                                      "\"max_lag_seconds\"").arg(named));
            const QJsonObject feed = feedValue.toObject();
            for (auto it = feed.begin(); it != feed.end(); ++it) {
                if (it.key() != QLatin1String("entity") && it.key() != QLatin1String("max_lag_seconds")
                    && it.key() != QLatin1String("channel_max_lag_seconds"))
                    return invalid(origin, QStringLiteral("%1: feed: unknown key \"%2\"").arg(named, it.key()));
            }
            endpoint.feedEntity = feed.value(QStringLiteral("entity")).toString();
            if (!cachekeys::isValidName(endpoint.feedEntity))
                return invalid(origin, QStringLiteral("%1: \"feed.entity\" must name an entity type (1-64 characters "
                                                      "of a-z, 0-9, '_' or '-')").arg(named));
            if (!feed.contains(QStringLiteral("max_lag_seconds")))
                return invalid(origin, QStringLiteral("%1: \"feed.max_lag_seconds\" is required").arg(named));
            auto lag = seconds(feed, QStringLiteral("max_lag_seconds"), 0, origin, named + QStringLiteral(": feed"));
            if (!lag)
                return lag.error();
            endpoint.feedMaxLagSeconds = *lag;
            auto channelLag = seconds(feed, QStringLiteral("channel_max_lag_seconds"), *lag, origin,
                                      named + QStringLiteral(": feed"));
            if (!channelLag)
                return channelLag.error();
            if (*channelLag < *lag)
                return invalid(origin, QStringLiteral("%1: \"feed.channel_max_lag_seconds\" must be at least "
                                                      "\"feed.max_lag_seconds\"").arg(named));
            endpoint.feedChannelMaxLagSeconds = *channelLag;
        }
        registry.m_endpoints.append(endpoint);
    }
    return registry;
}

QStringList EndpointRegistry::names() const
{
    QStringList out;
    out.reserve(m_endpoints.size());
    for (const EndpointDefinition &endpoint : m_endpoints)
        out.append(endpoint.name);
    return out;
}

bool EndpointRegistry::contains(const QString &name) const
{
    return find(name) != nullptr;
}

bool EndpointRegistry::isFeed(const QString &entityType) const
{
    return !fedBy(entityType).isEmpty();
}

QList<const EndpointDefinition *> EndpointRegistry::fedBy(const QString &entityType) const
{
    QList<const EndpointDefinition *> out;
    for (const EndpointDefinition &endpoint : m_endpoints) {
        if (endpoint.isFed() && endpoint.feedEntity == entityType)
            out.append(&endpoint);
    }
    return out;
}

const EndpointDefinition *EndpointRegistry::find(const QString &name) const
{
    for (const EndpointDefinition &endpoint : m_endpoints) {
        if (endpoint.name == name)
            return &endpoint;
    }
    return nullptr;
}

}  // namespace tiersync
