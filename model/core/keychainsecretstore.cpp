#include "core/keychainsecretstore.h"

#include <qt6keychain/keychain.h>

namespace tiersync {

namespace {

Error keychainError(const QKeychain::Job &job)
{
    const ErrorKind kind = job.error() == QKeychain::EntryNotFound ? ErrorKind::NotFound
                                                                   : ErrorKind::Unavailable;
    return makeError(kind, QStringLiteral("keychain: %1").arg(job.errorString()));
}

}  // namespace

KeychainSecretStore::KeychainSecretStore(QString service) : m_service(std::move(service)) {}

void KeychainSecretStore::read(const QString &key, ReadCallback done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service);
    job->setInsecureFallback(false);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, job, [done = std::move(done)](QKeychain::Job *j) {
        auto *readJob = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (readJob->error() != QKeychain::NoError)
            done(keychainError(*readJob));
        else
            done(Secret(readJob->textData()));
    });
    job->start();  // auto-deletes after finished
}

void KeychainSecretStore::write(const QString &key, const Secret &secret, WriteCallback done)
{
    auto *job = new QKeychain::WritePasswordJob(m_service);
    job->setInsecureFallback(false);
    job->setKey(key);
    job->setTextData(secret.reveal());
    QObject::connect(job, &QKeychain::Job::finished, job, [done = std::move(done)](QKeychain::Job *j) {
        if (j->error() != QKeychain::NoError)
            done(keychainError(*j));
        else
            done({});
    });
    job->start();
}

void KeychainSecretStore::remove(const QString &key, WriteCallback done)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service);
    job->setInsecureFallback(false);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, job, [done = std::move(done)](QKeychain::Job *j) {
        if (j->error() != QKeychain::NoError && j->error() != QKeychain::EntryNotFound)
            done(keychainError(*j));
        else
            done({});
    });
    job->start();
}

}  // namespace tiersync
