#include "sync/entityregistry.h"

#include "cache/cachekeys.h"
#include "core/jsonfile.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <algorithm>

// Resources of a static library must be registered explicitly, or the linker drops them.
static void initSyncResources()
{
    Q_INIT_RESOURCE(syncresources);
}

namespace tiersync {

namespace {

Error invalid(const QString &origin, const QString &what)
{
    return makeError(ErrorKind::InvalidArgument, QStringLiteral("%1: %2").arg(origin, what));
}

// A required, non-empty string member.
Result<QString> requiredString(const QJsonObject &object, const QString &field, const QString &where)
{
    const QJsonValue value = object.value(field);
    if (!value.isString() || value.toString().isEmpty())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("%1: \"%2\" must be a non-empty string").arg(where, field));
    return value.toString();
}

Result<QStringList> stringList(const QJsonObject &object, const QString &field, const QString &where,
                               bool namesOnly)
{
    const QJsonValue value = object.value(field);
    if (value.isUndefined())
        return QStringList();
    if (!value.isArray())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("%1: \"%2\" must be an array of strings").arg(where, field));
    QStringList list;
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString() || item.toString().isEmpty())
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("%1: \"%2\" must hold non-empty strings").arg(where, field));
        if (namesOnly && !cachekeys::isValidName(item.toString()))
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("%1: \"%2\" entry \"%3\" is not a valid endpoint name ([a-z0-9_-]+)")
                                 .arg(where, field, item.toString()));
        if (list.contains(item.toString()))
            return makeError(ErrorKind::InvalidArgument,
                             QStringLiteral("%1: \"%2\" names \"%3\" twice").arg(where, field, item.toString()));
        list.append(item.toString());
    }
    list.sort();
    return list;
}

Result<EntityDefinition> parseEntity(const QJsonObject &object, const QString &origin, int index)
{
    QString where = QStringLiteral("%1: entities[%2]").arg(origin).arg(index);
    EntityDefinition entity;
    auto name = requiredString(object, QStringLiteral("name"), where);
    if (!name)
        return name.error();
    if (!cachekeys::isValidName(*name))
        return invalid(where, QStringLiteral("name \"%1\" must match [a-z0-9_-]{1,64}").arg(*name));
    entity.name = *name;
    where = QStringLiteral("%1: entity \"%2\"").arg(origin, entity.name);
    entity.description = object.value(QStringLiteral("description")).toString();

    auto source = requiredString(object, QStringLiteral("source"), where);
    if (!source)
        return source.error();
    if (*source == QLatin1String("books")) {
        entity.source = EntityDefinition::Source::Books;
        for (const auto &[field, target] : {std::pair{QStringLiteral("path"), &entity.path},
                                            std::pair{QStringLiteral("list_key"), &entity.listKey},
                                            std::pair{QStringLiteral("entity_key"), &entity.entityKey}}) {
            auto value = requiredString(object, field, where);
            if (!value)
                return value.error();
            *target = *value;
        }
        if (!entity.path.startsWith(QLatin1Char('/')) || entity.path.contains(QLatin1Char('?')))
            return invalid(where, QStringLiteral("\"path\" must be an absolute path without a query"));
    } else if (*source == QLatin1String("crm")) {
        entity.source = EntityDefinition::Source::Crm;
        auto module = requiredString(object, QStringLiteral("module"), where);
        if (!module)
            return module.error();
        if (!cachekeys::isValidZohoId(*module))
            return invalid(where, QStringLiteral("\"module\" must be a CRM module name"));
        entity.module = *module;
    } else {
        return invalid(where, QStringLiteral("\"source\" must be \"books\" or \"crm\", not \"%1\"").arg(*source));
    }

    auto idField = requiredString(object, QStringLiteral("id_field"), where);
    if (!idField)
        return idField.error();
    entity.idField = *idField;
    auto modifiedField = requiredString(object, QStringLiteral("modified_field"), where);
    if (!modifiedField)
        return modifiedField.error();
    entity.modifiedField = *modifiedField;
    entity.moodleUserIdField = object.value(QStringLiteral("moodle_user_id_field")).toString();

    auto volatileFields = stringList(object, QStringLiteral("volatile_fields"), where, false);
    if (!volatileFields)
        return volatileFields.error();
    if (volatileFields->contains(entity.idField))
        return invalid(where, QStringLiteral("the id field \"%1\" cannot be volatile").arg(entity.idField));
    entity.volatileFields = *volatileFields;
    auto affects = stringList(object, QStringLiteral("affects"), where, true);
    if (!affects)
        return affects.error();
    entity.affects = *affects;
    const QJsonValue roster = object.value(QStringLiteral("roster"));
    if (!roster.isUndefined() && !roster.isBool())
        return invalid(where, QStringLiteral("\"roster\" must be true or false"));
    entity.roster = roster.toBool(false);
    if (entity.roster && entity.moodleUserIdField.isEmpty())
        return invalid(where, QStringLiteral("the roster needs a \"moodle_user_id_field\""));
    return entity;
}

}  // namespace

Result<EntityRegistry> EntityRegistry::builtIn()
{
    initSyncResources();
    return fromFile(QString::fromLatin1(kResourcePath));
}

Result<EntityRegistry> EntityRegistry::fromFile(const QString &path)
{
    auto bytes = readWholeFile(path);
    if (!bytes)
        return makeError(ErrorKind::NotFound, QStringLiteral("%1: %2").arg(QStringLiteral("entity registry"), bytes.error().message));
    return fromJson(*bytes, path);
}

Result<EntityRegistry> EntityRegistry::fromJson(const QByteArray &json, const QString &origin)
{
    auto parsed = parseJsonObject(json);
    if (!parsed)
        return invalid(origin, parsed.error().message);
    const QJsonObject root = *parsed;
    if (root.value(QStringLiteral("version")).toInt() != 1)
        return invalid(origin, QStringLiteral("\"version\" must be 1"));
    const QJsonValue entities = root.value(QStringLiteral("entities"));
    if (!entities.isArray() || entities.toArray().isEmpty())
        return invalid(origin, QStringLiteral("\"entities\" must be a non-empty array"));

    EntityRegistry registry;
    int index = 0;
    for (const QJsonValue &value : entities.toArray()) {
        if (!value.isObject())
            return invalid(origin, QStringLiteral("entities[%1] must be an object").arg(index));
        auto entity = parseEntity(value.toObject(), origin, index);
        if (!entity)
            return entity.error();
        if (registry.contains(entity->name))
            return invalid(origin, QStringLiteral("entity \"%1\" is defined twice").arg(entity->name));
        if (entity->roster && registry.roster())
            return invalid(origin, QStringLiteral("entity \"%1\" is a second roster (\"%2\" is one already)")
                                       .arg(entity->name, registry.roster()->name));
        registry.m_entities.append(std::move(entity).value());
        ++index;
    }
    return registry;
}

QStringList EntityRegistry::names() const
{
    QStringList names;
    for (const EntityDefinition &entity : m_entities)
        names.append(entity.name);
    return names;
}

bool EntityRegistry::contains(const QString &name) const
{
    return find(name) != nullptr;
}

const EntityDefinition *EntityRegistry::find(const QString &name) const
{
    const auto found = std::find_if(m_entities.cbegin(), m_entities.cend(),
                                    [&name](const EntityDefinition &entity) { return entity.name == name; });
    return found == m_entities.cend() ? nullptr : &*found;
}

const EntityDefinition *EntityRegistry::roster() const
{
    const auto found = std::find_if(m_entities.cbegin(), m_entities.cend(),
                                    [](const EntityDefinition &entity) { return entity.roster; });
    return found == m_entities.cend() ? nullptr : &*found;
}

QStringList EntityRegistry::affectedEndpoints() const
{
    QSet<QString> names;
    for (const EntityDefinition &entity : m_entities)
        for (const QString &endpoint : entity.affects)
            names.insert(endpoint);
    QStringList sorted(names.cbegin(), names.cend());
    sorted.sort();
    return sorted;
}

}  // namespace tiersync
