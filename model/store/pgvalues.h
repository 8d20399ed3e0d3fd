#pragma once

#include <QDateTime>
#include <QStringList>

#include <optional>
#include <string>

namespace pqxx {
class field;
}

namespace tiersync {

// A PostgreSQL text[] literal ({"a","b\"c"}) for passing a list as one parameter
// ($1::text[]), so a statement's text does not grow with the list and no element is
// ever spliced into SQL.
[[nodiscard]] std::string toPgTextArray(const QStringList &values);

// Parses a text[] value as returned by the server ({a,"b c",NULL}); NULL elements
// become empty strings.
[[nodiscard]] QStringList fromPgTextArray(const std::string &literal);

// Timestamps travel as text: ISO 8601 in UTC with milliseconds going in (NULL for an
// invalid QDateTime), epoch milliseconds coming out (see kEpochMs), so neither side
// depends on the session's TimeZone or DateStyle.
[[nodiscard]] std::optional<std::string> toPgTimestamp(const QDateTime &time);
[[nodiscard]] QDateTime fromPgEpochMs(const std::optional<long long> &epochMs);
// A column selected with pgEpochMs(); invalid when NULL.
[[nodiscard]] QDateTime fromPgEpochMs(const pqxx::field &field);
// A text column as UTF-8; empty when NULL.
[[nodiscard]] QString fromPgText(const pqxx::field &field);
// SQL expression giving a timestamptz column as epoch milliseconds (bigint).
[[nodiscard]] std::string pgEpochMs(const std::string &column);

}  // namespace tiersync
