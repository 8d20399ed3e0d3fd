#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

namespace tiersync {

// The fields to HSET on one hash, for RedisBatch::hsetExpireMany.
struct RedisHashWrite final {
    QByteArray key;
    QList<QPair<QByteArray, QByteArray>> fields;
};

}  // namespace tiersync
