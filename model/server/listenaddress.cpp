#include "server/listenaddress.h"

namespace tiersync {

Result<ListenAddress> ListenAddress::parse(const QString &text)
{
    const auto bad = [&text] {
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("expected HOST:PORT (e.g. 127.0.0.1:8001), got '%1'").arg(text));
    };
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0)
        return bad();
    QString host = text.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    else if (host.contains(u':'))
        return bad();  // IPv6 needs brackets so the port is unambiguous
    if (host.isEmpty())
        return bad();
    const QString portText = text.mid(colon + 1);
    bool ok = false;
    const int port = portText.toInt(&ok);
    if (!ok || port < 0 || port > 65535 || portText.startsWith(u'+') || portText.startsWith(u'-'))
        return bad();
    return ListenAddress{host, port};
}

}  // namespace tiersync
