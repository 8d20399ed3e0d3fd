#pragma once

#include "core/result.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace tiersync {

class PgConnection;

// tiersync.settings: switches shared by every engine instance. set() commits the value
// and NOTIFY tiersync_settings, '<key>' together, so a listener (PgListener on
// kChannel) never hears of a change it cannot yet read.
class SettingsRepository final {
public:
    struct Entry {
        QString key;
        QString value;
        QDateTime updatedAt;
        QString updatedBy;
    };

    static constexpr char kChannel[] = "tiersync_settings";
    static constexpr char kCachingEnabled[] = "caching_enabled";

    explicit SettingsRepository(PgConnection &connection);

    [[nodiscard]] Result<std::optional<Entry>> get(const QString &key);
    [[nodiscard]] Status set(const QString &key, const QString &value, const QString &updatedBy);
    [[nodiscard]] Result<QList<Entry>> all();

    // caching_enabled; true when the row is missing (the migration seeds it).
    [[nodiscard]] Result<bool> cachingEnabled();
    [[nodiscard]] Status setCachingEnabled(bool enabled, const QString &updatedBy);

private:
    PgConnection &m_connection;
};

}  // namespace tiersync
