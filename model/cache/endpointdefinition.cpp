#include "cache/endpointdefinition.h"

namespace tiersync {

QString EndpointDefinition::criteriaFor(qint64 moodleUserId) const
{
    QString criteria = criteriaTemplate;
    return criteria.replace(QLatin1String(kMoodleUserIdPlaceholder), QString::number(moodleUserId));
}

QString endpointShapeName(EndpointDefinition::Shape shape)
{
    switch (shape) {
    case EndpointDefinition::Shape::Object: return QStringLiteral("object");
    case EndpointDefinition::Shape::Array: return QStringLiteral("array");
    }
    return {};
}

}  // namespace tiersync
