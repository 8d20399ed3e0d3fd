#include "simentity.h"

namespace tiersync::sim {

bool isCrmEntity(SimEntity entity)
{
    return entity != SimEntity::Products && entity != SimEntity::Customers;
}

QString simEntityName(SimEntity entity)
{
    switch (entity) {
    case SimEntity::Products: return QStringLiteral("products");
    case SimEntity::Customers: return QStringLiteral("customers");
    case SimEntity::Students: return QStringLiteral("Students");
    case SimEntity::Grades: return QStringLiteral("Grades");
    case SimEntity::Payments: return QStringLiteral("Payments");
    case SimEntity::Classes: return QStringLiteral("Classes");
    case SimEntity::Requests: return QStringLiteral("Requests");
    }
    return {};
}

std::optional<SimEntity> crmModuleFromName(QStringView name)
{
    for (SimEntity entity : allSimEntities) {
        if (isCrmEntity(entity)
            && name.compare(simEntityName(entity), Qt::CaseInsensitive) == 0)
            return entity;
    }
    return std::nullopt;
}

std::optional<SimEntity> simEntityFromName(QStringView name)
{
    if (name.compare(QLatin1String("products"), Qt::CaseInsensitive) == 0
        || name.compare(QLatin1String("items"), Qt::CaseInsensitive) == 0)
        return SimEntity::Products;
    if (name.compare(QLatin1String("customers"), Qt::CaseInsensitive) == 0
        || name.compare(QLatin1String("contacts"), Qt::CaseInsensitive) == 0)
        return SimEntity::Customers;
    return crmModuleFromName(name);
}

int simEntityIndex(SimEntity entity)
{
    return static_cast<int>(entity);
}

}  // namespace tiersync::sim
