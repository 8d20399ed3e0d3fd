#pragma once

#include "core/result.h"
#include "sync/entitydefinition.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace tiersync {

// The synchronised entity types, loaded from resources/entities.json (compiled in as
// :/tiersync/entities.json). Adding a type is an edit to that file. Loading validates
// everything up front and names the offending entity and field.
class EntityRegistry final {
public:
    static constexpr char kResourcePath[] = ":/tiersync/entities.json";

    EntityRegistry() = default;  // empty

    [[nodiscard]] static Result<EntityRegistry> builtIn();
    [[nodiscard]] static Result<EntityRegistry> fromFile(const QString &path);
    [[nodiscard]] static Result<EntityRegistry> fromJson(const QByteArray &json,
                                                        const QString &origin = QStringLiteral("entity registry"));

    [[nodiscard]] const QList<EntityDefinition> &entities() const { return m_entities; }
    [[nodiscard]] QStringList names() const;
    [[nodiscard]] bool contains(const QString &name) const;
    // nullptr for an unknown name. Valid as long as the registry lives unchanged.
    [[nodiscard]] const EntityDefinition *find(const QString &name) const;
    // The roster entity (students), nullptr when none is named.
    [[nodiscard]] const EntityDefinition *roster() const;
    // Every endpoint named in some entity's "affects", sorted, without duplicates.
    [[nodiscard]] QStringList affectedEndpoints() const;

private:
    QList<EntityDefinition> m_entities;
};

}  // namespace tiersync
