#include "core/redissettings.h"

#include <QUrl>

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
