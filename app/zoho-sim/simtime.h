#pragma once

#include <QString>
#include <QtGlobal>

#include <optional>
#include <string>

namespace tiersync::sim {

// The simulated organisation lives in India (+05:30), like Zoho's own examples.
inline constexpr int simUtcOffsetMinutes = 330;

// Books writes offsets without a colon ("2013-10-07T18:24:51+0530").
[[nodiscard]] std::string formatBooksTime(qint64 epochSeconds);
// CRM writes them with one ("2023-06-23T23:47:59+05:30").
[[nodiscard]] std::string formatCrmTime(qint64 epochSeconds);
// A local calendar date ("2024-02-01") for date fields.
[[nodiscard]] std::string formatDate(qint64 epochSeconds);
// If-Modified-Since as Zoho documents it (ISO 8601 with an offset) or as HTTP dates.
[[nodiscard]] std::optional<qint64> parseHttpOrIsoTime(const QString &text);
[[nodiscard]] qint64 nowEpochSeconds();
[[nodiscard]] qint64 nowEpochMs();

}  // namespace tiersync::sim
