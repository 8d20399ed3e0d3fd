#pragma once

#include "core/result.h"
#include "core/secret.h"

#include <QList>
#include <QString>

namespace tiersync {

// Where and how to reach Redis: one server (host, port), or the primary that Redis
// Sentinel names (sentinels and masterName), which the engine asks for again whenever a
// connection breaks, so it follows a failover without a restart.
struct RedisSettings final {
    struct Endpoint {
        QString host;
        int port = 26379;
        friend bool operator==(const Endpoint &, const Endpoint &) = default;
    };

    QString host = QStringLiteral("127.0.0.1");
    int port = 6379;
    int db = 0;
    // A Redis 6+ ACL user (AUTH username password); empty: the default user.
    QString username;
    Secret password;
    // Sentinel: when sentinels is not empty, host and port are not used.
    QList<Endpoint> sentinels;
    QString masterName;
    int connectTimeoutMs = 2000;
    int commandTimeoutMs = 5000;

    [[nodiscard]] bool usesSentinel() const { return !sentinels.isEmpty(); }

    // redis://[[username]:password@]host:port/db, or for Sentinel
    // redis-sentinel://[[username]:password@]host:port[,host:port…]/master-name[/db]
    // (redis+sentinel:// is read too). The credentials are the primary's; sentinels are
    // asked without them, or with them when a sentinel requires it.
    [[nodiscard]] static Result<RedisSettings> fromUrl(const QString &url);
    // The password is masked unless asked for; a URL with the secret never reaches a log.
    [[nodiscard]] QString toUrl(bool withPassword = false) const;
    // Sentinels as "host:port,host:port" (a port left out is 26379; IPv6 in brackets), the
    // form profiles and the console's field hold.
    [[nodiscard]] static Result<QList<Endpoint>> parseSentinels(const QString &text);
    [[nodiscard]] QString sentinelsText() const;
    // "host:port/db", or "master 'name' via host:port,…/db": for messages and logs.
    [[nodiscard]] QString describe() const;

    friend bool operator==(const RedisSettings &, const RedisSettings &) = default;
};

}  // namespace tiersync
