#include "console/zoholimitsworker.h"

#include "console/connectioncheck.h"
#include "console/consoleuser.h"
#include "store/pgconnection.h"

namespace tiersync {

ZohoLimitsWorker::ZohoLimitsWorker(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<tiersync::ZohoLimitsRepository::Row>();
    qRegisterMetaType<QList<tiersync::ZohoLimitsRepository::Row>>();
    qRegisterMetaType<tiersync::ZohoLimitsSaveResult>();
}

ZohoLimitsWorker::~ZohoLimitsWorker() = default;

void ZohoLimitsWorker::setServicesPool(std::shared_ptr<EngineServicesPool> pool)
{
    m_profile.setPool(std::move(pool));
}

void ZohoLimitsWorker::setProfile(const ConnectionProfile &profile)
{
    m_profile.set(profile);
}

bool ZohoLimitsWorker::ensureMigrated(QString *error)
{
    if (!m_profile.isSet()) {
        *error = tr("No connection profile is active yet.");
        return false;
    }
    if (auto migrated = m_profile.ensureMigrated(); !migrated) {
        *error = describeForAdmin(ConnectionCheck::Service::Postgres, migrated.error());
        return false;
    }
    return true;
}

void ZohoLimitsWorker::load()
{
    QString error;
    if (!ensureMigrated(&error)) {
        Q_EMIT loadFailed(error);
        return;
    }
    ZohoLimitsRepository repository(PgConnection::forCurrentThread(m_profile.profile().pg));
    auto rows = repository.rows();
    if (!rows) {
        Q_EMIT loadFailed(describeForAdmin(ConnectionCheck::Service::Postgres, rows.error()));
        return;
    }
    Q_EMIT limitsLoaded(*rows);
}

void ZohoLimitsWorker::save(const ZohoLimitsRepository::Row &row)
{
    ZohoLimitsSaveResult result;
    result.family = row.family;
    QString error;
    if (!ensureMigrated(&error)) {
        result.message = tr("The limits were not changed. %1").arg(error);
        Q_EMIT saveFinished(result);
        return;
    }
    ZohoLimitsRepository repository(PgConnection::forCurrentThread(m_profile.profile().pg));
    if (Status saved = repository.save(row, consoleUserName()); !saved) {
        if (saved.error().kind == ErrorKind::InvalidArgument) {
            result.outcome = ZohoLimitsSaveResult::Outcome::Refused;
            result.message = tr("Not saved: %1").arg(saved.error().message);
        } else {
            result.message = tr("The limits were not changed. %1")
                                 .arg(describeForAdmin(ConnectionCheck::Service::Postgres, saved.error()));
        }
        Q_EMIT saveFinished(result);
        return;
    }
    result.outcome = ZohoLimitsSaveResult::Outcome::Saved;
    Q_EMIT saveFinished(result);
}

}  // namespace tiersync
