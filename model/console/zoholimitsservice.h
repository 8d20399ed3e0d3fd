#pragma once

#include "budget/zoholimitsrepository.h"
#include "console/serviceerror.h"
#include "core/connectionprofile.h"

#include <QList>
#include <QMetaType>
#include <QObject>

namespace tiersync {

// The organisation's Zoho limits (tiersync.zoho_limits of the active profile's
// database), as the Settings page edits them. A save is recorded as the console's user
// (consoleUserName()) and announced to every process, which then enforces the new
// limits. Methods return at once; each answer arrives as one signal, on the thread that
// called. EngineZohoLimitsService is the engine's implementation; page tests use a fake.
class ZohoLimitsService : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ZohoLimitsService)

public:
    // Which call an error belongs to.
    enum class Request { Load, Save };
    Q_ENUM(Request)

    explicit ZohoLimitsService(QObject *parent = nullptr);
    ~ZohoLimitsService() override;

    virtual void setProfile(const tiersync::ConnectionProfile &profile) = 0;
    // Every family (Books, Inventory, CRM), Zoho's defaults where no row is stored:
    // limitsLoaded or failed(Load).
    virtual void load() = 0;
    // Validates and stores one family's row (row.family): saved or failed(Save, family).
    // A refusal of the values (one out of range, a constraint of the table) is an
    // InvalidArgument naming the field; nothing is stored either way.
    virtual void save(const tiersync::ZohoLimitsRepository::Row &row) = 0;

Q_SIGNALS:
    void limitsLoaded(const QList<tiersync::ZohoLimitsRepository::Row> &rows);
    void saved(tiersync::ZohoApiFamily family);
    // family: the row a save was for; Books for a load.
    void failed(tiersync::ZohoLimitsService::Request request, tiersync::ZohoApiFamily family,
                const tiersync::ServiceError &error);
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::ZohoLimitsRepository::Row)
