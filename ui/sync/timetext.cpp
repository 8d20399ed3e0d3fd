#include "sync/timetext.h"

#include <QCoreApplication>

#include <cstdlib>

namespace tiersync::ui {

QString spanText(qint64 seconds)
{
    const qint64 magnitude = std::abs(seconds);
    if (magnitude < 120)
        return QCoreApplication::translate("SyncPage", "%1 s").arg(magnitude);
    if (magnitude < 2 * 3600)
        return QCoreApplication::translate("SyncPage", "%1 min").arg(magnitude / 60);
    if (magnitude < 2 * 86400)
        return QCoreApplication::translate("SyncPage", "%1 h").arg(magnitude / 3600);
    return QCoreApplication::translate("SyncPage", "%1 d").arg(magnitude / 86400);
}

QString timeAndSpanText(const QDateTime &at, const QDateTime &now)
{
    if (!at.isValid())
        return QStringLiteral("—");
    const QString time = at.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    if (!now.isValid())
        return time;
    const qint64 seconds = now.secsTo(at);
    if (seconds > 0)
        return QCoreApplication::translate("SyncPage", "%1 (in %2)").arg(time, spanText(seconds));
    if (seconds == 0)
        return QCoreApplication::translate("SyncPage", "%1 (now)").arg(time);
    return QCoreApplication::translate("SyncPage", "%1 (%2 ago)").arg(time, spanText(seconds));
}

}  // namespace tiersync::ui
