#include "core/pgsettings.h"

#include <QStringList>

#include <libpq-fe.h>

namespace tiersync {

namespace {

const QString kHost = QStringLiteral("host");
const QString kHostAddr = QStringLiteral("hostaddr");
const QString kPort = QStringLiteral("port");
const QString kTargetSessionAttrs = QStringLiteral("target_session_attrs");

QStringList listOption(const QMap<QString, QString> &options, const QString &key)
{
    const QString value = options.value(key);
    return value.isEmpty() ? QStringList() : value.split(QLatin1Char(','));
}

// The checks libpq makes only when it connects (fe-connect.c), made when the DSN is read.
Status validateHosts(const QMap<QString, QString> &options)
{
    const QStringList hosts = listOption(options, kHost);
    const QStringList addresses = listOption(options, kHostAddr);
    const QStringList ports = listOption(options, kPort);
    if (!hosts.isEmpty() && !addresses.isEmpty() && hosts.size() != addresses.size())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("invalid PostgreSQL DSN: %1 hosts but %2 host addresses")
                             .arg(hosts.size())
                             .arg(addresses.size()));
    const qsizetype servers = qMax<qsizetype>(1, qMax(hosts.size(), addresses.size()));
    if (ports.size() > 1 && ports.size() != servers)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("invalid PostgreSQL DSN: %1 ports for %2 hosts (give one port "
                                        "for all, or one per host)")
                             .arg(ports.size())
                             .arg(servers));
    for (const QString &port : ports) {
        bool numeric = false;
        const int value = port.toInt(&numeric);
        if (!port.isEmpty() && (!numeric || value < 1 || value > 65535))
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("invalid PostgreSQL DSN: port \"%1\" is not a port number")
                                 .arg(port));
    }
    static const QStringList kAttrs = {QStringLiteral("any"),     QStringLiteral("read-write"),
                                       QStringLiteral("read-only"), QStringLiteral("primary"),
                                       QStringLiteral("standby"), QStringLiteral("prefer-standby")};
    if (options.contains(kTargetSessionAttrs) && !kAttrs.contains(options.value(kTargetSessionAttrs)))
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("invalid PostgreSQL DSN: target_session_attrs \"%1\" is not "
                                        "one of %2")
                             .arg(options.value(kTargetSessionAttrs), kAttrs.join(QStringLiteral(", "))));
    return {};
}

QString quoteValue(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('\''), QLatin1String("\\'"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

}  // namespace

Result<PgSettings> PgSettings::fromDsn(const QString &dsn)
{
    char *errmsg = nullptr;
    const QByteArray utf8 = dsn.toUtf8();
    PQconninfoOption *parsed = PQconninfoParse(utf8.constData(), &errmsg);
    if (!parsed) {
        QString message = errmsg ? QString::fromUtf8(errmsg).trimmed()
                                 : QStringLiteral("cannot parse connection string");
        PQfreemem(errmsg);
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("invalid PostgreSQL DSN: %1").arg(message));
    }
    PgSettings settings;
    for (PQconninfoOption *option = parsed; option->keyword; ++option) {
        if (!option->val)
            continue;
        const QString key = QString::fromUtf8(option->keyword);
        const QString value = QString::fromUtf8(option->val);
        if (key == QLatin1String("password"))
            settings.password = Secret(value);
        else
            settings.options.insert(key, value);
    }
    PQconninfoFree(parsed);
    if (Status valid = validateHosts(settings.options); !valid)
        return valid.error();
    return settings;
}

QString PgSettings::toConnectionString(bool withPassword) const
{
    QStringList parts;
    for (auto it = options.cbegin(); it != options.cend(); ++it)
        parts << it.key() + QLatin1Char('=') + quoteValue(it.value());
    if (withPassword && !password.isEmpty())
        parts << QStringLiteral("password=") + quoteValue(password.reveal());
    return parts.join(QLatin1Char(' '));
}

QList<PgSettings::Endpoint> PgSettings::endpoints() const
{
    const QStringList hosts = listOption(options, kHost);
    const QStringList addresses = listOption(options, kHostAddr);
    const QStringList ports = listOption(options, kPort);
    const qsizetype count = qMax<qsizetype>(1, qMax(hosts.size(), addresses.size()));
    QList<Endpoint> result;
    for (qsizetype i = 0; i < count; ++i) {
        QString host = hosts.value(i);
        if (host.isEmpty())
            host = addresses.value(i);
        QString port = ports.size() == 1 ? ports.first() : ports.value(i);
        result.append({host.isEmpty() ? QStringLiteral("localhost") : host,
                       port.isEmpty() ? QStringLiteral("5432") : port});
    }
    return result;
}

bool PgSettings::hasSeveralHosts() const
{
    return endpoints().size() > 1;
}

QString PgSettings::effectiveTargetSessionAttrs() const
{
    if (options.contains(kTargetSessionAttrs))
        return options.value(kTargetSessionAttrs);
    return hasSeveralHosts() ? QStringLiteral("read-write") : QStringLiteral("any");
}

bool PgSettings::requiresReadWrite() const
{
    const QString attrs = effectiveTargetSessionAttrs();
    return attrs == QLatin1String("read-write") || attrs == QLatin1String("primary");
}

PgSettings PgSettings::withSessionDefaults() const
{
    PgSettings effective = *this;
    if (!effective.options.contains(kTargetSessionAttrs) && hasSeveralHosts())
        effective.options.insert(kTargetSessionAttrs, effectiveTargetSessionAttrs());
    return effective;
}

QString PgSettings::describe() const
{
    QStringList servers;
    for (const Endpoint &endpoint : endpoints()) {
        // An IPv6 address is bracketed so its colons do not read as the port's.
        const bool ipv6 = endpoint.host.contains(QLatin1Char(':'));
        servers << (ipv6 ? QLatin1Char('[') + endpoint.host + QLatin1Char(']') : endpoint.host)
                       + QLatin1Char(':') + endpoint.port;
    }
    return servers.join(QLatin1Char(',')) + QLatin1Char('/')
           + options.value(QStringLiteral("dbname"), options.value(QStringLiteral("user")));
}

}  // namespace tiersync
