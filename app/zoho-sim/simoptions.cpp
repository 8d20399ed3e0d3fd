#include "simoptions.h"

namespace tiersync::sim {
namespace {

Error bad(const QString &message)
{
    return makeError(ErrorKind::InvalidArgument, message);
}

Result<qint64> number(const QString &flag, const QString &text, qint64 minimum, qint64 maximum)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < minimum || value > maximum)
        return bad(QStringLiteral("%1: expected a number in [%2, %3], got '%4'")
                       .arg(flag).arg(minimum).arg(maximum).arg(text));
    return value;
}

}  // namespace

QString SimOptions::usage()
{
    return QStringLiteral(
        "usage: zoho-sim --listen HOST:PORT [--seed N] [--products N] [--customers N]\n"
        "                [--students N] [--latency-ms A[-B]] [--client-id ID]\n"
        "                [--client-secret S] [--refresh-token T] [--org-id ORG]\n"
        "                [--token-ttl-s N] [--ready-file PATH] [--limits on|off]\n"
        "                [--books-plan free|standard|professional|premium|elite|ultimate]\n"
        "                [--crm-edition free|standard|professional|enterprise|ultimate]\n"
        "                [--crm-users N]\n"
        "PORT may be 0 (any free port). See app/zoho-sim/README.md.\n");
}

Result<SimOptions> SimOptions::parse(const QStringList &arguments)
{
    SimOptions options;
    bool listenSeen = false;
    QString crmEdition = options.limits.crmEdition;
    int crmUsers = options.limits.crmUsers;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        QString flag = arguments.at(i);
        QString value;
        bool inlineValue = false;
        if (const qsizetype eq = flag.indexOf(QLatin1Char('=')); flag.startsWith(QLatin1String("--")) && eq > 0) {
            value = flag.mid(eq + 1);
            flag = flag.left(eq);
            inlineValue = true;
        }
        if (flag == QLatin1String("--help") || flag == QLatin1String("-h")) {
            options.help = true;
            continue;
        }
        static const QStringList known{
            QStringLiteral("--listen"),     QStringLiteral("--seed"),          QStringLiteral("--products"),
            QStringLiteral("--customers"),  QStringLiteral("--students"),      QStringLiteral("--latency-ms"),
            QStringLiteral("--client-id"),  QStringLiteral("--client-secret"), QStringLiteral("--refresh-token"),
            QStringLiteral("--org-id"),     QStringLiteral("--token-ttl-s"),   QStringLiteral("--ready-file"),
            QStringLiteral("--limits"),     QStringLiteral("--books-plan"),    QStringLiteral("--crm-edition"),
            QStringLiteral("--crm-users")};
        if (!known.contains(flag))
            return bad(QStringLiteral("unknown argument '%1'").arg(flag));
        if (!inlineValue) {
            if (i + 1 >= arguments.size())
                return bad(QStringLiteral("%1 needs a value").arg(flag));
            value = arguments.at(++i);
        }
        if (flag == QLatin1String("--listen")) {
            const qsizetype colon = value.lastIndexOf(QLatin1Char(':'));
            if (colon <= 0)
                return bad(QStringLiteral("--listen: expected HOST:PORT, got '%1'").arg(value));
            auto port = number(flag, value.mid(colon + 1), 0, 65535);
            if (!port)
                return port.error();
            options.host = value.left(colon);
            options.port = static_cast<int>(*port);
            listenSeen = true;
        } else if (flag == QLatin1String("--seed")) {
            bool ok = false;
            options.seed = value.toULongLong(&ok);
            if (!ok)
                return bad(QStringLiteral("--seed: expected a non-negative number, got '%1'").arg(value));
        } else if (flag == QLatin1String("--products") || flag == QLatin1String("--customers")
                   || flag == QLatin1String("--students")) {
            auto count = number(flag, value, 0, 10'000'000);
            if (!count)
                return count.error();
            (flag == QLatin1String("--products")    ? options.products
             : flag == QLatin1String("--customers") ? options.customers
                                                    : options.students) = static_cast<int>(*count);
        } else if (flag == QLatin1String("--latency-ms")) {
            const QStringList parts = value.split(QLatin1Char('-'));
            if (parts.size() > 2)
                return bad(QStringLiteral("--latency-ms: expected A or A-B, got '%1'").arg(value));
            auto low = number(flag, parts.first(), 0, 600'000);
            if (!low)
                return low.error();
            auto high = parts.size() == 2 ? number(flag, parts.last(), 0, 600'000) : low;
            if (!high)
                return high.error();
            if (*high < *low)
                return bad(QStringLiteral("--latency-ms: %1 is below %2").arg(*high).arg(*low));
            options.latencyMinMs = static_cast<int>(*low);
            options.latencyMaxMs = static_cast<int>(*high);
        } else if (flag == QLatin1String("--token-ttl-s")) {
            auto ttl = number(flag, value, 1, 86400 * 365);
            if (!ttl)
                return ttl.error();
            options.tokenTtlS = static_cast<int>(*ttl);
        } else if (flag == QLatin1String("--limits")) {
            if (value != QLatin1String("on") && value != QLatin1String("off"))
                return bad(QStringLiteral("--limits: expected on or off, got '%1'").arg(value));
            options.limits.enabled = value == QLatin1String("on");
        } else if (flag == QLatin1String("--books-plan")) {
            if (auto status = options.limits.applyBooksPlan(value); !status)
                return bad(QStringLiteral("--books-plan: %1").arg(status.error().message));
        } else if (flag == QLatin1String("--crm-edition")) {
            crmEdition = value;
        } else if (flag == QLatin1String("--crm-users")) {
            auto users = number(flag, value, 1, 100000);
            if (!users)
                return users.error();
            crmUsers = static_cast<int>(*users);
        } else if (value.isEmpty()) {
            return bad(QStringLiteral("%1 must not be empty").arg(flag));
        } else if (flag == QLatin1String("--client-id")) {
            options.clientId = value;
        } else if (flag == QLatin1String("--client-secret")) {
            options.clientSecret = value;
        } else if (flag == QLatin1String("--refresh-token")) {
            options.refreshToken = value;
        } else if (flag == QLatin1String("--org-id")) {
            options.orgId = value;
        } else if (flag == QLatin1String("--ready-file")) {
            options.readyFile = value;
        }
    }
    // Edition and users in either order.
    if (auto status = options.limits.applyCrmEdition(crmEdition, crmUsers); !status)
        return bad(QStringLiteral("--crm-edition: %1").arg(status.error().message));
    if (!listenSeen && !options.help)
        return bad(QStringLiteral("--listen HOST:PORT is required"));
    return options;
}

}  // namespace tiersync::sim
