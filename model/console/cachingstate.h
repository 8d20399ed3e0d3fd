#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>

namespace tiersync {

// settings.caching_enabled as PostgreSQL holds it, for the Cache page's switch.
struct CachingState final {
    bool enabled = true;
    QDateTime updatedAt;  // invalid when never set (the migration's default)
    QString updatedBy;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::CachingState)
