#pragma once

#include "core/result.h"
#include "core/secret.h"

#include <QHash>
#include <QObject>
#include <QString>

#include <functional>

namespace tiersync {

// Where secrets live. The console uses the OS keychain (KeychainSecretStore); tests use
// InMemorySecretStore or a private keyring, never the user's. Calls complete
// asynchronously on the caller's thread, which must run an event loop.
class SecretStore {
public:
    using ReadCallback = std::function<void(Result<Secret>)>;
    using WriteCallback = std::function<void(Status)>;

    virtual ~SecretStore() = default;
    virtual void read(const QString &key, ReadCallback done) = 0;
    virtual void write(const QString &key, const Secret &secret, WriteCallback done) = 0;
    virtual void remove(const QString &key, WriteCallback done) = 0;
};

class InMemorySecretStore final : public SecretStore {
public:
    void read(const QString &key, ReadCallback done) override;
    void write(const QString &key, const Secret &secret, WriteCallback done) override;
    void remove(const QString &key, WriteCallback done) override;

private:
    QHash<QString, Secret> m_secrets;
};

}  // namespace tiersync
