#include "console/consoleuser.h"

#include <QHostInfo>

namespace tiersync {

QString consoleUserName()
{
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = QStringLiteral("unknown");
    return QStringLiteral("console:%1@%2").arg(user, QHostInfo::localHostName());
}

}  // namespace tiersync
