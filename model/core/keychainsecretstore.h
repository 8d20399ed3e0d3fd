#pragma once

#include "core/secretstore.h"

namespace tiersync {

// Secrets in the OS keychain (Secret Service on Linux) through QtKeychain. There is
// deliberately no plaintext fallback: if no keychain is reachable, calls fail.
class KeychainSecretStore final : public SecretStore {
public:
    explicit KeychainSecretStore(QString service = QStringLiteral("tiersync"));

    void read(const QString &key, ReadCallback done) override;
    void write(const QString &key, const Secret &secret, WriteCallback done) override;
    void remove(const QString &key, WriteCallback done) override;

private:
    QString m_service;
};

}  // namespace tiersync
