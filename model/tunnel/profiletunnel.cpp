#include "tunnel/profiletunnel.h"

namespace tiersync {

namespace {

constexpr qsizetype kRedis = 0;
constexpr qsizetype kPostgres = 1;

}  // namespace

ProfileTunnel::ProfileTunnel(ConnectionProfile routed, std::unique_ptr<SshTunnel> tunnel)
    : m_routed(std::move(routed)), m_tunnel(std::move(tunnel))
{
}

ProfileTunnel::~ProfileTunnel() = default;

Result<QList<TunnelTarget>> ProfileTunnel::targetsOf(const ConnectionProfile &profile)
{
    const auto refuse = [](const QString &why) {
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("through SSH: %1").arg(why));
    };
    const QMap<QString, QString> &pg = profile.pg.options;
    QString pgHost = pg.value(QStringLiteral("hostaddr"), pg.value(QStringLiteral("host"), QStringLiteral("localhost")));
    if (pgHost.isEmpty())
        pgHost = QStringLiteral("localhost");
    if (pgHost.startsWith(QLatin1Char('/')) || pgHost.startsWith(QLatin1Char('@')))
        return refuse(QStringLiteral("PostgreSQL's host is a socket directory (%1); give the host name or address "
                                     "the SSH server reaches it at")
                          .arg(pgHost));
    if (pgHost.contains(QLatin1Char(',')))
        return refuse(QStringLiteral("several PostgreSQL hosts (%1) are not supported; give one").arg(pgHost));
    const QString pgPortText = pg.value(QStringLiteral("port"), QStringLiteral("5432"));
    bool ok = false;
    const int pgPort = pgPortText.toInt(&ok);
    if (!ok || pgPort <= 0 || pgPort > 65535)
        return refuse(QStringLiteral("PostgreSQL's port '%1' is not one port number").arg(pgPortText));
    // Sentinels name the primary by the address they see it at, which is not reachable
    // from this side of the tunnel; every sentinel and primary would need a tunnel.
    if (profile.redis.usesSentinel())
        return refuse(QStringLiteral("Redis Sentinel is not supported; name the primary's host, or reach the "
                                     "sentinels and the servers directly"));
    if (profile.redis.host.isEmpty())
        return refuse(QStringLiteral("Redis has no host"));
    return QList<TunnelTarget>{{profile.redis.host, profile.redis.port}, {pgHost, pgPort}};
}

Result<std::unique_ptr<ProfileTunnel>> ProfileTunnel::open(const ConnectionProfile &profile,
                                                           SshTunnel::Options options)
{
    if (!profile.ssh.isEnabled())
        return std::unique_ptr<ProfileTunnel>();
    auto targets = targetsOf(profile);
    if (!targets)
        return targets.error();
    auto tunnel = SshTunnel::open(profile.ssh, *targets, std::move(options));
    if (!tunnel)
        return tunnel.error();
    ConnectionProfile routed = profile;
    routed.ssh = {};
    routed.redis.host = QStringLiteral("127.0.0.1");
    routed.redis.port = (*tunnel)->localPort(kRedis);
    routed.pg.options.remove(QStringLiteral("hostaddr"));
    routed.pg.options.insert(QStringLiteral("host"), QStringLiteral("127.0.0.1"));
    routed.pg.options.insert(QStringLiteral("port"), QString::number((*tunnel)->localPort(kPostgres)));
    return std::unique_ptr<ProfileTunnel>(new ProfileTunnel(std::move(routed), std::move(*tunnel)));
}

}  // namespace tiersync
