#pragma once

#include "core/error.h"

#include <QMetaType>
#include <QString>
#include <QtGlobal>

namespace tiersync {

// The outcome of reaching one service, worded for an administrator: what was tried
// (target, never a secret) and what happened, in a sentence.
struct ConnectionCheck final {
    enum class Service { Redis, Postgres, Zoho };

    Service service = Service::Redis;
    bool ok = false;
    QString target;   // "127.0.0.1:6379/0", "db.example:5432/tiersync", "https://accounts.zoho.eu"
    QString message;  // "Connected — Redis 7.0.15 answered in 2 ms." / what went wrong and what to check
    qint64 elapsedMs = 0;

    [[nodiscard]] static QString serviceName(Service service);
};

// An engine Error as a sentence an admin can act on ("Cannot reach Redis at …: is it
// running, and are the host and port right?"), the technical message appended.
[[nodiscard]] QString describeForAdmin(ConnectionCheck::Service service, const Error &error);

}  // namespace tiersync

Q_DECLARE_METATYPE(tiersync::ConnectionCheck)
