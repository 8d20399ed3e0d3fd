#pragma once

#include "core/result.h"
#include "zoho/zoholimits.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace tiersync {

class PgConnection;

// tiersync.zoho_limits: the organisation's Zoho limits, one row per API family, which
// every process's budget enforces. save() commits a row and NOTIFY tiersync_settings,
// 'zoho_limits' together, so a listener never hears of a change it cannot yet read.
class ZohoLimitsRepository final {
public:
    struct Row {
        ZohoApiFamily family = ZohoApiFamily::Books;
        QString plan = QStringLiteral("free");  // Books/Inventory plan or CRM edition
        int users = 0;                          // CRM licences (credits grow with them)
        FamilyLimits limits;
        QDateTime updatedAt;
        QString updatedBy;
    };

    static constexpr char kNotifyKey[] = "zoho_limits";

    explicit ZohoLimitsRepository(PgConnection &connection);

    // Every family, in Books, Inventory, CRM order; a family without a row (a database
    // edited by hand) has Zoho's defaults and no updatedAt.
    [[nodiscard]] Result<QList<Row>> rows();
    [[nodiscard]] Result<ZohoLimits> load();
    // Validates first: bad limits are an InvalidArgument naming the field, never stored.
    [[nodiscard]] Status save(const Row &row, const QString &updatedBy);

private:
    PgConnection &m_connection;
};

}  // namespace tiersync
