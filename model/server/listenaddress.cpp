#include "server/listenaddress.h"

#include <arpa/inet.h>
#include <netinet/in.h>

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

bool ListenAddress::isLoopback(const QString &host)
{
    if (host == QLatin1String("localhost"))
        return true;
    const QByteArray text = host.toLatin1();
    in_addr v4{};
    if (::inet_pton(AF_INET, text.constData(), &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, text.constData(), &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
    return false;
}

}  // namespace tiersync
