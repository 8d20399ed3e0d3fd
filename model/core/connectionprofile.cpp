#include "core/connectionprofile.h"

namespace tiersync {

Status ConnectionProfile::applyEnvironment(const QProcessEnvironment &environment)
{
    const auto get = [&](const char *name) { return environment.value(QString::fromLatin1(name)); };
    const auto has = [&](const char *name) { return environment.contains(QString::fromLatin1(name)); };

    if (has(env::kRedisUrl)) {
        auto parsed = RedisSettings::fromUrl(get(env::kRedisUrl));
        if (!parsed)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("%1: %2").arg(QLatin1String(env::kRedisUrl),
                                                          parsed.error().message));
        // Keep tuned timeouts from the profile; the URL carries only the address.
        parsed->connectTimeoutMs = redis.connectTimeoutMs;
        parsed->commandTimeoutMs = redis.commandTimeoutMs;
        redis = *parsed;
    }
    if (has(env::kPgDsn)) {
        auto parsed = PgSettings::fromDsn(get(env::kPgDsn));
        if (!parsed)
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("%1: %2").arg(QLatin1String(env::kPgDsn),
                                                          parsed.error().message));
        pg = *parsed;
    }
    if (has(env::kZohoApiBase))
        zoho.apiBase = get(env::kZohoApiBase);
    if (has(env::kZohoAccountsUrl))
        zoho.accountsUrl = get(env::kZohoAccountsUrl);
    if (has(env::kZohoOrgId))
        zoho.orgId = get(env::kZohoOrgId);
    if (has(env::kZohoClientId))
        zoho.clientId = get(env::kZohoClientId);
    if (has(env::kZohoClientSecret))
        zoho.clientSecret = Secret(get(env::kZohoClientSecret));
    if (has(env::kZohoRefreshToken))
        zoho.refreshToken = Secret(get(env::kZohoRefreshToken));
    if (has(env::kSsh)) {
        if (get(env::kSsh).trimmed().isEmpty()) {
            ssh = {};  // an empty TIERSYNC_SSH turns a profile's tunnel off
        } else {
            auto parsed = SshSettings::fromDestination(get(env::kSsh));
            if (!parsed)
                return makeError(ErrorKind::InvalidArgument,
                                 QStringLiteral("%1: %2").arg(QLatin1String(env::kSsh), parsed.error().message));
            // The destination replaces the address; key, passphrase and known_hosts stay.
            ssh.host = parsed->host;
            ssh.port = parsed->port;
            ssh.user = parsed->user;
        }
    }
    if (has(env::kSshKey))
        ssh.privateKeyFile = get(env::kSshKey);
    if (has(env::kSshKeyPassphrase))
        ssh.passphrase = Secret(get(env::kSshKeyPassphrase));
    if (has(env::kSshKnownHosts))
        ssh.knownHostsFile = get(env::kSshKnownHosts);
    return {};
}

QList<QPair<QString, QString>> ConnectionProfile::toEnvironment() const
{
    const auto var = [](const char *name) { return QString::fromLatin1(name); };
    QList<QPair<QString, QString>> variables = {
        {var(env::kRedisUrl), redis.toUrl(true)},
        {var(env::kPgDsn), pg.toConnectionString(true)},
        {var(env::kZohoApiBase), zoho.apiBase},
        {var(env::kZohoAccountsUrl), zoho.accountsUrl},
        {var(env::kZohoOrgId), zoho.orgId},
        {var(env::kZohoClientId), zoho.clientId},
        {var(env::kZohoClientSecret), zoho.clientSecret.reveal()},
        {var(env::kZohoRefreshToken), zoho.refreshToken.reveal()},
    };
    if (ssh.isEnabled()) {
        variables.append({var(env::kSsh), ssh.destination()});
        variables.append({var(env::kSshKey), ssh.privateKeyFile});
        variables.append({var(env::kSshKeyPassphrase), ssh.passphrase.reveal()});
        variables.append({var(env::kSshKnownHosts), ssh.knownHostsFile});
    }
    return variables;
}

}  // namespace tiersync
