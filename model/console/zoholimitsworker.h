#pragma once

#include "console/workerprofile.h"
#include "console/zoholimitssaveresult.h"
#include "core/connectionprofile.h"

#include <QList>
#include <QObject>
#include <QString>

#include <memory>

namespace tiersync {

// The Settings page's "Zoho limits" on a worker thread (WorkerThreads): reads and stores
// tiersync.zoho_limits of the active profile's database through ZohoLimitsRepository, so
// the GUI thread never waits on PostgreSQL. A save is recorded as the console's user
// (consoleUserName()) and NOTIFYs every process, which then enforces the new limits.
// Results leave by queued signals.
class ZohoLimitsWorker final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ZohoLimitsWorker)

public:
    explicit ZohoLimitsWorker(QObject *parent = nullptr);
    ~ZohoLimitsWorker() override;

    // The console's one pool of services (before the worker moves to its thread).
    void setServicesPool(std::shared_ptr<tiersync::EngineServicesPool> pool);

public Q_SLOTS:
    void setProfile(const tiersync::ConnectionProfile &profile);
    // Every family (Books, Inventory, CRM), Zoho's defaults where no row is stored:
    // limitsLoaded or loadFailed.
    void load();
    // Validates and stores one family's row (row.family): saveFinished, either way.
    void save(const tiersync::ZohoLimitsRepository::Row &row);

Q_SIGNALS:
    void limitsLoaded(const QList<tiersync::ZohoLimitsRepository::Row> &rows);
    void loadFailed(const QString &message);
    void saveFinished(const tiersync::ZohoLimitsSaveResult &result);

private:
    // Migrates the database once per profile; false (and an error) when it cannot.
    [[nodiscard]] bool ensureMigrated(QString *error);

    WorkerProfile m_profile;
};

}  // namespace tiersync
