#pragma once

#include <QString>
#include <QStringView>

#include <array>
#include <optional>

namespace tiersync::sim {

// What the simulator serves: two Books collections and five CRM modules.
enum class SimEntity {
    Products,   // Books items
    Customers,  // Books contacts
    Students,
    Grades,
    Payments,
    Classes,
    Requests,
};

inline constexpr std::array<SimEntity, 7> allSimEntities{
    SimEntity::Products, SimEntity::Customers, SimEntity::Students, SimEntity::Grades,
    SimEntity::Payments, SimEntity::Classes,   SimEntity::Requests};

[[nodiscard]] bool isCrmEntity(SimEntity entity);
// "products", "customers" or the CRM module API name ("Students", …).
[[nodiscard]] QString simEntityName(SimEntity entity);
// Accepts the names above, the Books resource names ("items", "contacts") and CRM
// module names in any letter case.
[[nodiscard]] std::optional<SimEntity> simEntityFromName(QStringView name);
[[nodiscard]] std::optional<SimEntity> crmModuleFromName(QStringView name);
[[nodiscard]] int simEntityIndex(SimEntity entity);

}  // namespace tiersync::sim
