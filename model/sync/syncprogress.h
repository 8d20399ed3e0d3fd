#pragma once

#include "store/syncrunrepository.h"

#include <QMetaType>
#include <QString>

namespace tiersync {

// One progress report of a running sync, emitted once per page.
struct SyncProgress final {
    qint64 runId = 0;
    QString entityType;
    qint64 done = 0;           // entities handled (synced + skipped + failed)
    qint64 total = -1;         // expected entities, -1 when unknown (first sync of a type)
    double ratePerSecond = 0;  // done / elapsed
    qint64 elapsedMs = 0;
    SyncRunRepository::Counters counters;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::SyncProgress)
