#include "core/secretstore.h"

namespace tiersync {

void InMemorySecretStore::read(const QString &key, ReadCallback done)
{
    const auto it = m_secrets.constFind(key);
    if (it == m_secrets.cend())
        done(makeError(ErrorKind::NotFound, QStringLiteral("no secret stored for '%1'").arg(key)));
    else
        done(*it);
}

void InMemorySecretStore::write(const QString &key, const Secret &secret, WriteCallback done)
{
    m_secrets.insert(key, secret);
    done({});
}

void InMemorySecretStore::remove(const QString &key, WriteCallback done)
{
    m_secrets.remove(key);
    done({});
}

}  // namespace tiersync
