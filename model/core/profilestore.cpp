#include "core/profilestore.h"

#include <memory>

namespace tiersync {

namespace {

constexpr char kGroup[] = "profiles";

const QStringList &secretFields()
{
    static const QStringList fields = {QStringLiteral("redis.password"), QStringLiteral("pg.password"),
                                       QStringLiteral("zoho.client_secret"),
                                       QStringLiteral("zoho.refresh_token"),
                                       QStringLiteral("ssh.key_passphrase")};
    return fields;
}

Secret *secretField(ConnectionProfile &profile, const QString &field)
{
    if (field == QLatin1String("redis.password"))
        return &profile.redis.password;
    if (field == QLatin1String("pg.password"))
        return &profile.pg.password;
    if (field == QLatin1String("zoho.client_secret"))
        return &profile.zoho.clientSecret;
    if (field == QLatin1String("ssh.key_passphrase"))
        return &profile.ssh.passphrase;
    return &profile.zoho.refreshToken;
}

}  // namespace

ProfileStore::ProfileStore(QSettings &settings) : m_settings(settings) {}

QStringList ProfileStore::profileNames() const
{
    m_settings.beginGroup(QLatin1String(kGroup));
    QStringList names = m_settings.childGroups();
    m_settings.endGroup();
    names.sort();
    return names;
}

bool ProfileStore::contains(const QString &name) const
{
    return profileNames().contains(name);
}

Result<ConnectionProfile> ProfileStore::load(const QString &name) const
{
    if (!contains(name))
        return makeError(ErrorKind::NotFound, QStringLiteral("no connection profile named '%1'").arg(name));
    ConnectionProfile profile;
    profile.name = name;
    m_settings.beginGroup(QLatin1String(kGroup) + QLatin1Char('/') + name);
    profile.redis.host = m_settings.value("redis/host", profile.redis.host).toString();
    profile.redis.port = m_settings.value("redis/port", profile.redis.port).toInt();
    profile.redis.db = m_settings.value("redis/db", profile.redis.db).toInt();
    profile.redis.username = m_settings.value("redis/username").toString();
    // Sentinels a hand-edited file got wrong are dropped: the profile then names its host.
    if (auto sentinels = RedisSettings::parseSentinels(m_settings.value("redis/sentinels").toString());
        sentinels && m_settings.contains("redis/sentinels")) {
        profile.redis.sentinels = *sentinels;
        profile.redis.masterName = m_settings.value("redis/master_name").toString();
    }
    profile.redis.connectTimeoutMs =
        m_settings.value("redis/connect_timeout_ms", profile.redis.connectTimeoutMs).toInt();
    profile.redis.commandTimeoutMs =
        m_settings.value("redis/command_timeout_ms", profile.redis.commandTimeoutMs).toInt();
    m_settings.beginGroup(QStringLiteral("pg"));
    for (const QString &key : m_settings.childKeys())
        profile.pg.options.insert(key, m_settings.value(key).toString());
    m_settings.endGroup();
    profile.zoho.apiBase = m_settings.value("zoho/api_base", profile.zoho.apiBase).toString();
    profile.zoho.accountsUrl = m_settings.value("zoho/accounts_url", profile.zoho.accountsUrl).toString();
    profile.zoho.orgId = m_settings.value("zoho/org_id").toString();
    profile.zoho.clientId = m_settings.value("zoho/client_id").toString();
    profile.ssh.host = m_settings.value("ssh/host").toString();
    profile.ssh.port = m_settings.value("ssh/port", profile.ssh.port).toInt();
    profile.ssh.user = m_settings.value("ssh/user").toString();
    profile.ssh.privateKeyFile = m_settings.value("ssh/key_file").toString();
    profile.ssh.knownHostsFile = m_settings.value("ssh/known_hosts").toString();
    m_settings.endGroup();
    return profile;
}

void ProfileStore::save(const ConnectionProfile &profile)
{
    remove(profile.name);
    m_settings.beginGroup(QLatin1String(kGroup) + QLatin1Char('/') + profile.name);
    m_settings.setValue("redis/host", profile.redis.host);
    m_settings.setValue("redis/port", profile.redis.port);
    m_settings.setValue("redis/db", profile.redis.db);
    if (!profile.redis.username.isEmpty())
        m_settings.setValue("redis/username", profile.redis.username);
    if (profile.redis.usesSentinel()) {
        m_settings.setValue("redis/sentinels", profile.redis.sentinelsText());
        m_settings.setValue("redis/master_name", profile.redis.masterName);
    }
    m_settings.setValue("redis/connect_timeout_ms", profile.redis.connectTimeoutMs);
    m_settings.setValue("redis/command_timeout_ms", profile.redis.commandTimeoutMs);
    for (auto it = profile.pg.options.cbegin(); it != profile.pg.options.cend(); ++it)
        m_settings.setValue(QStringLiteral("pg/") + it.key(), it.value());  // never the password
    m_settings.setValue("zoho/api_base", profile.zoho.apiBase);
    m_settings.setValue("zoho/accounts_url", profile.zoho.accountsUrl);
    m_settings.setValue("zoho/org_id", profile.zoho.orgId);
    m_settings.setValue("zoho/client_id", profile.zoho.clientId);
    if (profile.ssh.isEnabled()) {  // never the passphrase: saveSecrets() puts it in the keychain
        m_settings.setValue("ssh/host", profile.ssh.host);
        m_settings.setValue("ssh/port", profile.ssh.port);
        m_settings.setValue("ssh/user", profile.ssh.user);
        m_settings.setValue("ssh/key_file", profile.ssh.privateKeyFile);
        m_settings.setValue("ssh/known_hosts", profile.ssh.knownHostsFile);
    }
    m_settings.endGroup();
}

void ProfileStore::remove(const QString &name)
{
    m_settings.remove(QLatin1String(kGroup) + QLatin1Char('/') + name);
}

QString ProfileStore::secretKey(const QString &profile, const QString &field)
{
    return profile + QLatin1Char('/') + field;
}

void ProfileStore::resolveSecrets(ConnectionProfile profile, SecretStore &store,
                                  std::function<void(Result<ConnectionProfile>)> done)
{
    struct State {
        ConnectionProfile profile;
        std::function<void(Result<ConnectionProfile>)> done;
        int pending = 0;
        std::optional<Error> error;
    };
    auto state = std::make_shared<State>();
    state->profile = std::move(profile);
    state->done = std::move(done);
    state->pending = int(secretFields().size());
    for (const QString &field : secretFields()) {
        store.read(secretKey(state->profile.name, field), [state, field](Result<Secret> secret) {
            if (secret)
                *secretField(state->profile, field) = *secret;
            else if (secret.error().kind != ErrorKind::NotFound && !state->error)
                state->error = secret.error();
            if (--state->pending == 0) {
                if (state->error)
                    state->done(*state->error);
                else
                    state->done(state->profile);
            }
        });
    }
}

void ProfileStore::resolve(const QString &name, SecretStore &store, const QProcessEnvironment &environment,
                           std::function<void(Result<ConnectionProfile>)> done) const
{
    const auto overlay = [environment, done](Result<ConnectionProfile> profile) {
        if (!profile) {
            done(profile.error());
            return;
        }
        if (auto applied = profile->applyEnvironment(environment); !applied) {
            done(applied.error());
            return;
        }
        done(std::move(profile));
    };
    if (name.isEmpty()) {
        ConnectionProfile defaults;
        defaults.name = QStringLiteral("environment");
        overlay(defaults);
        return;
    }
    auto loaded = load(name);
    if (!loaded) {
        done(loaded.error());
        return;
    }
    resolveSecrets(*loaded, store, overlay);
}

void ProfileStore::saveSecrets(const ConnectionProfile &profile, SecretStore &store,
                               std::function<void(Status)> done)
{
    struct State {
        std::function<void(Status)> done;
        int pending = 0;
        std::optional<Error> error;
    };
    auto state = std::make_shared<State>();
    state->done = std::move(done);
    state->pending = int(secretFields().size());
    ConnectionProfile copy = profile;
    for (const QString &field : secretFields()) {
        const Secret secret = *secretField(copy, field);
        const auto finished = [state](Status status) {
            if (!status && !state->error)
                state->error = status.error();
            if (--state->pending == 0)
                state->done(state->error ? Status(*state->error) : Status());
        };
        if (secret.isEmpty())
            store.remove(secretKey(profile.name, field), finished);
        else
            store.write(secretKey(profile.name, field), secret, finished);
    }
}

}  // namespace tiersync
