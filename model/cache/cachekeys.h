#pragma once

#include <QByteArray>
#include <QString>

// The Redis key schema (DESIGN.md "Redis key schema"), in one place. Ids are formatted
// here from typed values, never pasted from user text, and no function here builds a
// glob from an id: invalidating one student deletes its keys by name.
namespace tiersync::cachekeys {

inline constexpr char kNamespace[] = "tiersync:v1:";

// tiersync:v1:ep:{endpoint}:{moodle_user_id}
[[nodiscard]] QByteArray endpointKey(const QString &endpoint, qint64 moodleUserId);
// tiersync:v1:ep:{endpoint}:  (prefix for SCAN of one endpoint; callers add "*")
[[nodiscard]] QByteArray endpointPrefix(const QString &endpoint);
// tiersync:v1:state:{entity_type}:{zoho_id}
[[nodiscard]] QByteArray entityStateKey(const QString &entityType, const QString &zohoId);
[[nodiscard]] QByteArray entityStatePrefix(const QString &entityType);
// tiersync:v1:stats:{endpoint}:{epoch_minute}
[[nodiscard]] QByteArray statsKey(const QString &endpoint, qint64 epochMinute);
// tiersync:v1:zoho_calls:{epoch_minute}: every Zoho HTTP attempt of the organisation in
// that minute, one hash field per purpose (read, sync, webhook)
[[nodiscard]] QByteArray zohoCallsKey(qint64 epochMinute);
// tiersync:v1:oauth:{client_id}
[[nodiscard]] QByteArray oauthKey(const QString &clientId);

// Names that may appear inside a key: endpoint and entity type names from the
// registries ([a-z0-9_-]+), Zoho ids (digits, letters, '-', '_').
[[nodiscard]] bool isValidName(const QString &name);
[[nodiscard]] bool isValidZohoId(const QString &id);

}  // namespace tiersync::cachekeys
