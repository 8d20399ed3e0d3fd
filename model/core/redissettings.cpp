#include "core/redissettings.h"

#include <QUrl>

#include <algorithm>

namespace tiersync {

Result<RedisSettings> RedisSettings::fromUrl(const QString &text)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1String("redis"))
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("not a redis:// URL (expected redis://[:password@]host:port/db)"));
    RedisSettings settings;
    if (url.host().isEmpty())
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("redis URL has no host"));
    settings.host = url.host();
    // An IPv6 zone id names an interface ("fe80::1%eth0", "fe80::1%2"): RFC 6874 allows
    // only unreserved characters there, and anything else would not survive the trip back
    // into a URL (or to getaddrinfo).
    if (const qsizetype zone = settings.host.indexOf(QLatin1Char('%')); zone >= 0) {
        const QStringView id = QStringView(settings.host).mid(zone + 1);
        const bool unreserved = !id.isEmpty() && std::all_of(id.begin(), id.end(), [](QChar c) {
            return c.unicode() < 0x80 && (c.isLetterOrNumber() || c == u'.' || c == u'_' || c == u'~' || c == u'-');
        });
        if (!unreserved)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("redis URL has an invalid IPv6 zone id (letters, digits, '.', '_', '~', '-')"));
    }
    settings.port = url.port(6379);
    if (settings.port <= 0 || settings.port > 65535)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("redis URL has an invalid port"));
    if (!url.password().isEmpty())
        settings.password = Secret(url.password(QUrl::FullyDecoded));
    QString path = url.path();
    if (path.startsWith(QLatin1Char('/')))
        path.remove(0, 1);
    if (!path.isEmpty()) {
        bool ok = false;
        settings.db = path.toInt(&ok);
        if (!ok || settings.db < 0)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("redis URL database must be a number, got '%1'").arg(path));
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
    url.setHost(host, QUrl::DecodedMode);
    url.setPort(port);
    if (!password.isEmpty())
        url.setPassword(withPassword ? password.reveal() : password.masked(), QUrl::DecodedMode);
    url.setPath(QLatin1Char('/') + QString::number(db));
    return url.toString(QUrl::FullyEncoded);
}

}  // namespace tiersync
