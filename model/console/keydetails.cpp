#include "console/keydetails.h"

namespace tiersync {

QString KeyDetails::ttlText() const
{
    if (ttlSeconds == -2)
        return QStringLiteral("—");
    if (ttlSeconds < 0)
        return QStringLiteral("no expiry");
    qint64 rest = ttlSeconds;
    const qint64 days = rest / 86400;
    rest %= 86400;
    const qint64 hours = rest / 3600;
    rest %= 3600;
    const qint64 minutes = rest / 60;
    const qint64 seconds = rest % 60;
    QStringList parts;
    if (days)
        parts << QStringLiteral("%1 d").arg(days);
    if (hours)
        parts << QStringLiteral("%1 h").arg(hours);
    if (minutes && !days)
        parts << QStringLiteral("%1 min").arg(minutes);
    if ((seconds || parts.isEmpty()) && !days && !hours)
        parts << QStringLiteral("%1 s").arg(seconds);
    return parts.join(QLatin1Char(' '));
}

QString KeyDetails::formatBytes(qint64 bytes)
{
    if (bytes < 0)
        return QStringLiteral("—");
    if (bytes < 1024)
        return QStringLiteral("%1 B").arg(bytes);
    if (bytes < 1024 * 1024)
        return QStringLiteral("%1 KiB").arg(double(bytes) / 1024.0, 0, 'f', 1);
    return QStringLiteral("%1 MiB").arg(double(bytes) / (1024.0 * 1024.0), 0, 'f', 1);
}

}  // namespace tiersync
