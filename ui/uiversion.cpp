#include "uiversion.h"

#include <QCoreApplication>

namespace tiersync::ui {

QString consoleTitle()
{
    return QStringLiteral("TierSync Console");
}

}  // namespace tiersync::ui
