#pragma once

#include "cache/instanceheartbeat.h"
#include "store/retryeventrepository.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace tiersync {

// One poll of the Retries page's data, as plain values: the retry events stored
// since the previous poll, the retries per minute of the last hour, and the circuit
// breaker of every live engine instance. Built by RetryLogReader (EngineStatisticsService).
struct RetryLogUpdate final {
    bool reset = false;                           // first poll for this profile: replace, not append
    bool logOk = false;                           // PostgreSQL answered
    QString logMessage;                           // why not, in words
    QList<RetryEventRepository::Stored> added;    // id order (oldest first)
    qint64 firstMinute = 0;                       // epoch minute of retriesPerMinute[0]
    QList<int> retriesPerMinute;                  // oldest first
    bool instancesKnown = false;                  // Redis answered
    QString instancesMessage;                     // why not, in words
    QList<InstanceHeartbeat> instances;
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::RetryLogUpdate)
