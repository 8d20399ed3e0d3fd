#pragma once

#include "budget/zoholimitsrepository.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace tiersync {

// How saving one family's Zoho limits from the console ended.
struct ZohoLimitsSaveResult final {
    enum class Outcome {
        Saved,    // stored and announced to every process (NOTIFY)
        Refused,  // the values are not usable (the message names the field); nothing stored
        Failed,   // PostgreSQL did not store it (unreachable, refused); nothing stored
    };

    ZohoApiFamily family = ZohoApiFamily::Books;
    Outcome outcome = Outcome::Failed;
    QString message;  // for an administrator; empty when saved

    [[nodiscard]] bool saved() const { return outcome == Outcome::Saved; }
};

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::ZohoLimitsSaveResult)
Q_DECLARE_METATYPE(tiersync::ZohoLimitsRepository::Row)
