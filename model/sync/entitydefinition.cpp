#include "sync/entitydefinition.h"

namespace tiersync {

QString entitySourceName(EntityDefinition::Source source)
{
    switch (source) {
    case EntityDefinition::Source::Books: return QStringLiteral("books");
    case EntityDefinition::Source::Crm: return QStringLiteral("crm");
    }
    return {};
}

}  // namespace tiersync
