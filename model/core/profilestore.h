#pragma once

#include "core/connectionprofile.h"
#include "core/result.h"
#include "core/secretstore.h"

#include <QSettings>
#include <QStringList>

#include <functional>

namespace tiersync {

// Named connection profiles: the non-secret part in QSettings, the secrets in a
// SecretStore. This is the only place that knows the QSettings keys of a profile.
class ProfileStore final {
public:
    explicit ProfileStore(QSettings &settings);
    Q_DISABLE_COPY_MOVE(ProfileStore)

    [[nodiscard]] QStringList profileNames() const;
    [[nodiscard]] bool contains(const QString &name) const;
    // Loads the non-secret fields; secrets stay empty until resolveSecrets().
    [[nodiscard]] Result<ConnectionProfile> load(const QString &name) const;
    // Writes the non-secret fields only. Secrets go through saveSecrets().
    void save(const ConnectionProfile &profile);
    void remove(const QString &name);

    // Keychain key for one secret of a profile, e.g. "default/zoho.refresh_token".
    [[nodiscard]] static QString secretKey(const QString &profile, const QString &field);

    static void resolveSecrets(ConnectionProfile profile, SecretStore &store,
                               std::function<void(Result<ConnectionProfile>)> done);
    // What every executable connects with: the named profile (with its secrets) if a
    // name is given, else the defaults; then the TIERSYNC_* environment on top.
    void resolve(const QString &name, SecretStore &store, const QProcessEnvironment &environment,
                 std::function<void(Result<ConnectionProfile>)> done) const;

    static void saveSecrets(const ConnectionProfile &profile, SecretStore &store,
                            std::function<void(Status)> done);

private:
    QSettings &m_settings;
};

}  // namespace tiersync
