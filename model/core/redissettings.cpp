#include "core/redissettings.h"

#include <QUrl>

#include <algorithm>

namespace tiersync {

namespace {

constexpr int kMaxSentinels = 16;

Error badUrl(const QString &why)
{
    return makeError(ErrorKind::InvalidArgument, why);
}

// An IPv6 zone id names an interface ("fe80::1%eth0", "fe80::1%2"): RFC 6874 allows only
// unreserved characters there, and anything else would not survive the trip back into a
// URL (or to getaddrinfo).
Status checkZoneId(const QString &host)
{
    const qsizetype zone = host.indexOf(QLatin1Char('%'));
    if (zone < 0)
        return {};
    const QStringView id = QStringView(host).mid(zone + 1);
    const bool unreserved = !id.isEmpty() && std::all_of(id.begin(), id.end(), [](QChar c) {
        return c.unicode() < 0x80 && (c.isLetterOrNumber() || c == u'.' || c == u'_' || c == u'~' || c == u'-');
    });
    if (!unreserved)
        return badUrl(QStringLiteral("redis URL has an invalid IPv6 zone id (letters, digits, '.', '_', '~', '-')"));
    return {};
}

Result<int> databaseNumber(const QString &text)
{
    bool ok = false;
    const int db = text.toInt(&ok);
    if (!ok || db < 0)
        return badUrl(QStringLiteral("redis URL database must be a number, got '%1'").arg(text));
    return db;
}

// One host[:port] of a URL's authority, read by QUrl (brackets, zone ids, ports).
Result<RedisSettings::Endpoint> parseEndpoint(const QString &authority, int defaultPort)
{
    const QUrl url(QStringLiteral("redis://") + authority, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() || !url.userInfo().isEmpty() || !url.path().isEmpty()
        || url.hasQuery() || url.hasFragment())
        return badUrl(QStringLiteral("redis URL has an invalid host '%1'").arg(authority));
    RedisSettings::Endpoint endpoint{url.host(), url.port(defaultPort)};
    if (Status zone = checkZoneId(endpoint.host); !zone)
        return zone.error();
    if (endpoint.port <= 0 || endpoint.port > 65535)
        return badUrl(QStringLiteral("redis URL has an invalid port"));
    return endpoint;
}

QString endpointText(const RedisSettings::Endpoint &endpoint)
{
    QUrl url;
    url.setScheme(QStringLiteral("redis"));
    url.setHost(endpoint.host, QUrl::DecodedMode);
    url.setPort(endpoint.port);
    return url.authority(QUrl::FullyEncoded);
}

// Sentinel: redis-sentinel://[[user]:password@]h1:p1,h2:p2/master[/db]. QUrl reads one host
// only, so the authority is split here and each piece goes through QUrl.
Result<RedisSettings> fromSentinelUrl(const QString &text, qsizetype schemeEnd)
{
    const QString rest = text.mid(schemeEnd + 3);
    const qsizetype slash = rest.indexOf(QLatin1Char('/'));
    if (slash < 0)
        return badUrl(QStringLiteral("redis-sentinel URL names no master (redis-sentinel://host:port/master-name/db)"));
    const QString authority = rest.left(slash);
    const qsizetype at = authority.lastIndexOf(QLatin1Char('@'));
    RedisSettings settings;
    if (at >= 0) {
        // The credentials, read by QUrl as they would be in a redis:// URL.
        const QUrl credentials(QStringLiteral("redis://") + authority.left(at) + QStringLiteral("@h"),
                               QUrl::StrictMode);
        if (!credentials.isValid() || credentials.host() != QLatin1String("h") || credentials.port() != -1
            || credentials.hasQuery() || credentials.hasFragment() || !credentials.path().isEmpty())
            return badUrl(QStringLiteral("redis-sentinel URL has invalid credentials"));
        settings.username = credentials.userName(QUrl::FullyDecoded);
        if (!credentials.password().isEmpty())
            settings.password = Secret(credentials.password(QUrl::FullyDecoded));
    }
    auto sentinels = RedisSettings::parseSentinels(authority.mid(at + 1));
    if (!sentinels)
        return sentinels.error();
    settings.sentinels = *sentinels;
    const QStringList path = rest.mid(slash + 1).split(QLatin1Char('/'));
    if (path.size() > 2 || path.first().isEmpty())
        return badUrl(QStringLiteral("redis-sentinel URL path must be /master-name or /master-name/db"));
    settings.masterName = QUrl::fromPercentEncoding(path.first().toUtf8());
    if (settings.masterName.isEmpty() || settings.masterName.contains(QLatin1Char(' '))
        || std::any_of(settings.masterName.begin(), settings.masterName.end(), [](QChar c) { return c < u' '; }))
        return badUrl(QStringLiteral("redis-sentinel URL has an invalid master name"));
    if (path.size() == 2 && !path.last().isEmpty()) {
        auto db = databaseNumber(path.last());
        if (!db)
            return db.error();
        settings.db = *db;
    }
    settings.host = settings.sentinels.first().host;  // not used; keeps describe() honest
    settings.port = settings.sentinels.first().port;
    return settings;
}

}  // namespace

Result<RedisSettings> RedisSettings::fromUrl(const QString &input)
{
    const QString text = input.trimmed();
    const qsizetype schemeEnd = text.indexOf(QLatin1String("://"));
    const QString scheme = schemeEnd > 0 ? text.left(schemeEnd) : QString();
    if (scheme == QLatin1String("redis-sentinel") || scheme == QLatin1String("redis+sentinel"))
        return fromSentinelUrl(text, schemeEnd);

    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1String("redis"))
        return badUrl(QStringLiteral("not a redis:// URL (expected redis://[[user]:password@]host:port/db "
                                     "or redis-sentinel://host:port,…/master-name/db)"));
    RedisSettings settings;
    if (url.host().isEmpty())
        return badUrl(QStringLiteral("redis URL has no host"));
    settings.host = url.host();
    if (Status zone = checkZoneId(settings.host); !zone)
        return zone.error();
    settings.port = url.port(6379);
    if (settings.port <= 0 || settings.port > 65535)
        return badUrl(QStringLiteral("redis URL has an invalid port"));
    settings.username = url.userName(QUrl::FullyDecoded);
    if (!url.password().isEmpty())
        settings.password = Secret(url.password(QUrl::FullyDecoded));
    QString path = url.path();
    if (path.startsWith(QLatin1Char('/')))
        path.remove(0, 1);
    if (!path.isEmpty()) {
        auto db = databaseNumber(path);
        if (!db)
            return db.error();
        settings.db = *db;
    }
    return settings;
}

QString RedisSettings::toUrl(bool withPassword) const
{
    // QUrl writes every component in its encoded form: a password's reserved characters, an
    // IPv6 host's brackets and the '%' of its zone id ("fe80::1%eth0" -> "[fe80::1%25eth0]").
    // Text assembled by hand got the zone wrong, and the URL no longer read back.
    QUrl url;
    url.setScheme(QStringLiteral("redis"));
    url.setHost(usesSentinel() ? QStringLiteral("h") : host, QUrl::DecodedMode);
    if (!usesSentinel())
        url.setPort(port);
    if (!username.isEmpty())
        url.setUserName(username, QUrl::DecodedMode);
    if (!password.isEmpty())
        url.setPassword(withPassword ? password.reveal() : password.masked(), QUrl::DecodedMode);
    url.setPath(QLatin1Char('/') + QString::number(db));
    if (!usesSentinel())
        return url.toString(QUrl::FullyEncoded);

    QString text = QStringLiteral("redis-sentinel://");
    const QString credentials = url.userInfo(QUrl::FullyEncoded);
    if (!credentials.isEmpty())
        text += credentials + QLatin1Char('@');
    text += sentinelsText();
    text += QLatin1Char('/') + QString::fromLatin1(QUrl::toPercentEncoding(masterName));
    text += QLatin1Char('/') + QString::number(db);
    return text;
}

Result<QList<RedisSettings::Endpoint>> RedisSettings::parseSentinels(const QString &text)
{
    const QStringList hosts = text.split(QLatin1Char(','));
    if (hosts.size() > kMaxSentinels)
        return badUrl(QStringLiteral("more than %1 sentinels").arg(kMaxSentinels));
    QList<Endpoint> sentinels;
    for (const QString &host : hosts) {
        auto endpoint = parseEndpoint(host.trimmed(), 26379);
        if (!endpoint)
            return endpoint.error();
        sentinels.append(*endpoint);
    }
    return sentinels;
}

QString RedisSettings::sentinelsText() const
{
    QStringList hosts;
    for (const Endpoint &sentinel : sentinels)
        hosts << endpointText(sentinel);
    return hosts.join(QLatin1Char(','));
}

QString RedisSettings::describe() const
{
    if (!usesSentinel())
        return QStringLiteral("%1:%2/%3").arg(host).arg(port).arg(db);
    QStringList hosts;
    for (const Endpoint &sentinel : sentinels)
        hosts << QStringLiteral("%1:%2").arg(sentinel.host).arg(sentinel.port);
    return QStringLiteral("master '%1' via %2/%3").arg(masterName, hosts.join(QLatin1Char(','))).arg(db);
}

}  // namespace tiersync
