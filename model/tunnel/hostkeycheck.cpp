#include "tunnel/hostkeycheck.h"

namespace tiersync {

QString HostKeyCheck::describe() const
{
    switch (verdict) {
    case Verdict::Trusted:
        return QStringLiteral("the host key of %1 is trusted (%2 %3)").arg(destination, keyType, fingerprint);
    case Verdict::Unknown:
        return QStringLiteral("the host key of %1 is not known: %2 %3 is not in %4")
            .arg(destination, keyType, fingerprint, knownHostsFile);
    case Verdict::Changed:
        return QStringLiteral("the host key of %1 changed: the server now presents %2 %3, not the key %4 holds "
                              "for it. This is a possible man-in-the-middle attack; the connection is refused. "
                              "If the server's key really changed, remove the old line from %4 and trust the "
                              "new key")
            .arg(destination, keyType, fingerprint, knownHostsFile);
    }
    return {};
}

}  // namespace tiersync
