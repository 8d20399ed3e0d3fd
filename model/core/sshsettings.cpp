#include "core/sshsettings.h"

#include <QDir>

namespace tiersync {

Result<SshSettings> SshSettings::fromDestination(const QString &destination)
{
    const auto invalid = [&destination](const QString &why) {
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("invalid SSH destination '%1': %2 (expected [user@]host[:port])")
                             .arg(destination, why));
    };
    SshSettings settings;
    QString rest = destination.trimmed();
    if (const qsizetype at = rest.lastIndexOf(QLatin1Char('@')); at >= 0) {
        settings.user = rest.left(at);
        rest = rest.mid(at + 1);
        if (settings.user.isEmpty())
            return invalid(QStringLiteral("empty user name"));
    }
    QString portText;
    if (rest.startsWith(QLatin1Char('['))) {
        const qsizetype close = rest.indexOf(QLatin1Char(']'));
        if (close < 0)
            return invalid(QStringLiteral("unclosed '['"));
        settings.host = rest.mid(1, close - 1);
        const QString after = rest.mid(close + 1);
        if (!after.isEmpty()) {
            if (!after.startsWith(QLatin1Char(':')))
                return invalid(QStringLiteral("text after ']'"));
            portText = after.mid(1);
        }
    } else if (rest.count(QLatin1Char(':')) == 1) {
        const qsizetype colon = rest.indexOf(QLatin1Char(':'));
        settings.host = rest.left(colon);
        portText = rest.mid(colon + 1);
    } else if (rest.contains(QLatin1Char(':'))) {
        return invalid(QStringLiteral("an IPv6 address needs brackets"));
    } else {
        settings.host = rest;
    }
    if (settings.host.isEmpty())
        return invalid(QStringLiteral("no host"));
    if (settings.host.contains(QLatin1Char(' ')) || settings.host.contains(QLatin1Char('/')))
        return invalid(QStringLiteral("not a host name"));
    if (rest.contains(QLatin1Char(':')) && !rest.startsWith(QLatin1Char('[')) && portText.isEmpty())
        return invalid(QStringLiteral("empty port"));
    if (!portText.isEmpty() || rest.endsWith(QLatin1Char(':'))) {
        bool ok = false;
        settings.port = portText.toInt(&ok);
        if (!ok || settings.port <= 0 || settings.port > 65535)
            return invalid(QStringLiteral("port must be 1..65535"));
    }
    return settings;
}

QString SshSettings::destination() const
{
    const QString hostPart = host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
    const QString userPart = user.isEmpty() ? QString() : user + QLatin1Char('@');
    return QStringLiteral("%1%2:%3").arg(userPart, hostPart).arg(port);
}

QString SshSettings::effectiveKnownHostsFile() const
{
    if (!knownHostsFile.isEmpty())
        return knownHostsFile;
    return QDir::homePath() + QStringLiteral("/.ssh/known_hosts");
}

}  // namespace tiersync
