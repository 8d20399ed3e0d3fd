#pragma once

#include "core/pgsettings.h"
#include "core/redissettings.h"
#include "core/result.h"
#include "core/sshsettings.h"
#include "core/zohosettings.h"

#include <QList>
#include <QPair>
#include <QProcessEnvironment>
#include <QString>

namespace tiersync {

// The environment variables every executable reads; they win over a profile.
namespace env {
inline constexpr char kRedisUrl[] = "TIERSYNC_REDIS_URL";
inline constexpr char kPgDsn[] = "TIERSYNC_PG_DSN";
inline constexpr char kZohoApiBase[] = "TIERSYNC_ZOHO_API_BASE";
inline constexpr char kZohoAccountsUrl[] = "TIERSYNC_ZOHO_ACCOUNTS_URL";
inline constexpr char kZohoOrgId[] = "TIERSYNC_ZOHO_ORG_ID";
inline constexpr char kZohoClientId[] = "TIERSYNC_ZOHO_CLIENT_ID";
inline constexpr char kZohoClientSecret[] = "TIERSYNC_ZOHO_CLIENT_SECRET";
inline constexpr char kZohoRefreshToken[] = "TIERSYNC_ZOHO_REFRESH_TOKEN";
// Redis and PostgreSQL through SSH: [user@]host[:port] (empty: no tunnel), the private key
// file (none: the SSH agent), its passphrase, and the known_hosts file.
inline constexpr char kSsh[] = "TIERSYNC_SSH";
inline constexpr char kSshKey[] = "TIERSYNC_SSH_KEY";
inline constexpr char kSshKeyPassphrase[] = "TIERSYNC_SSH_KEY_PASSPHRASE";
inline constexpr char kSshKnownHosts[] = "TIERSYNC_SSH_KNOWN_HOSTS";
}  // namespace env

// Where one engine connects: Redis, PostgreSQL and Zoho; Redis and PostgreSQL through
// an SSH tunnel when ssh is enabled (their hosts are then as the SSH server sees them).
struct ConnectionProfile final {
    QString name;
    RedisSettings redis;
    PgSettings pg;
    ZohoSettings zoho;
    SshSettings ssh;

    // Overlays the TIERSYNC_* variables present in environment onto this profile.
    // A malformed value is an error naming the variable, never silently ignored.
    [[nodiscard]] Status applyEnvironment(const QProcessEnvironment &environment);

    // The same variables, in the order of the contract, with secrets revealed: for
    // `tiersync sandbox env`, whose whole point is to hand them to a shell.
    [[nodiscard]] QList<QPair<QString, QString>> toEnvironment() const;

    friend bool operator==(const ConnectionProfile &, const ConnectionProfile &) = default;
};

}  // namespace tiersync
