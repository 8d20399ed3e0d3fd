#include "core/secret.h"

namespace tiersync {

QString Secret::masked() const
{
    return m_value.isEmpty() ? QStringLiteral("(none)") : QStringLiteral("********");
}

QDebug operator<<(QDebug debug, const Secret &secret)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << "Secret(" << secret.masked() << ')';
    return debug;
}

}  // namespace tiersync
