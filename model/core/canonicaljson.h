#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>

// The canonical JSON form that content hashes are computed over: the same content
// always gives the same bytes, whatever order, spacing or number spelling Zoho used.
//
// Rules (pinned by tests/sync/tst_canonicaljson):
// - Object members sorted by key, at every depth, comparing the keys' UTF-16 code
//   units (as RFC 8785 does) after Unicode normalisation. Keys that normalise to the
//   same text are written once: the member whose own key sorts last is kept.
// - No whitespace outside strings: {"a":1,"b":[true,null]}.
// - Strings (keys and values) in Unicode NFC, written as UTF-8; escaped are only '"',
//   '\\' and the control characters below U+0020 (\b \f \n \r \t, otherwise \u00XX in
//   lowercase hex); '/' and non-ASCII are written as they are. A lone surrogate
//   becomes U+FFFD.
// - Numbers by value: a number with an integral value whose magnitude is below 2^63 is
//   written as a plain integer (120, 120.0, 1.2e2 and 1200e-1 all give "120"; -0 gives
//   "0"); any other number as the shortest decimal that reads back as the same double
//   (std::to_chars: 0.1, 1.5e+300). JSON has no NaN or infinity; were one to appear it
//   is written as null.
// - Excluded (volatile) fields are dropped from the top-level object only.
namespace tiersync::canonicaljson {

// Appends the canonical form of value to out (out is not cleared).
void append(const QJsonValue &value, QByteArray &out);
// Appends the canonical form of object without the top-level members named in
// excluded (sorted or not).
void appendObject(const QJsonObject &object, const QStringList &excluded, QByteArray &out);

[[nodiscard]] QByteArray serialize(const QJsonValue &value);
[[nodiscard]] QByteArray serialize(const QJsonObject &object, const QStringList &excluded);

}  // namespace tiersync::canonicaljson
