#pragma once

#include "console/studentendpointread.h"

#include <QList>
#include <QMetaType>

namespace tiersync {

// The answer to one Students page request: every endpoint asked for, in registry order.
struct StudentLookup final {
    quint64 requestId = 0;
    qint64 moodleUserId = 0;
    bool forceRefresh = false;
    bool cachingEnabled = true;  // as the engine saw the switch when the reads began
    bool cancelled = false;      // stopped before every endpoint was read
    QList<StudentEndpointRead> reads;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::StudentLookup)
