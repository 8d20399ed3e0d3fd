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
    QString auth;
    if (!password.isEmpty()) {
        const QString shown = withPassword
                                  ? QString::fromUtf8(QUrl::toPercentEncoding(password.reveal()))
                                  : password.masked();
        auth = QStringLiteral(":%1@").arg(shown);
    }
    // Concatenated, not chained arg(): a percent-encoded password ("%2F") would be taken for a
    // placeholder by the next arg(). An IPv6 host goes in brackets.
    const QString shownHost = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    return QStringLiteral("redis://") + auth + shownHost + QLatin1Char(':') + QString::number(port) + QLatin1Char('/')
        + QString::number(db);
}

}  // namespace tiersync
