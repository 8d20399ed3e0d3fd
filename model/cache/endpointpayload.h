#pragma once

#include "cache/endpointdefinition.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>

// The one place where a student's records become an endpoint's "data": the per-student
// Zoho fetch (ZohoEndpointFetcher, then TieredReader) and the commit step's regroup from
// PostgreSQL rows both go through it, so the two paths give byte-identical data and the
// same content hash.
//
// - Records are ordered by id: ids made only of digits (Zoho's) by length, then text
//   (numeric order without a parse); those before any other id, which go by text.
//   Records without an id sort last, in the order given.
// - Object shape: the first record in that order, or null; Array: all of them, [] when none.
// - The data is written in the canonical JSON form (core/canonicaljson.h): the same
//   records always give the same bytes, whatever order or spelling they arrived in.
// - The content hash is the lowercase hex SHA-256 of those bytes (endpoint_snapshots).
namespace tiersync::endpointpayload {

struct Payload {
    QByteArray dataJson;
    QString contentHash;
};

// Whether id a sorts before id b (the rule above; empty ids last).
[[nodiscard]] bool idLess(const QString &a, const QString &b);
// A record's id as text: a string member, or an integral number; empty otherwise.
[[nodiscard]] QString idOf(const QJsonObject &record, const QString &idField);

// The endpoint's data for these records (in any order).
[[nodiscard]] QJsonValue shape(EndpointDefinition::Shape shape, QList<QJsonObject> records,
                               const QString &idField = QStringLiteral("id"));
[[nodiscard]] QByteArray toJson(const QJsonValue &data);
[[nodiscard]] QString contentHash(const QByteArray &dataJson);
[[nodiscard]] Payload build(EndpointDefinition::Shape shape, QList<QJsonObject> records,
                            const QString &idField = QStringLiteral("id"));

}  // namespace tiersync::endpointpayload
