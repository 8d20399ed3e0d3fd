#pragma once

#include "core/result.h"

#include <QString>
#include <QtGlobal>

#include <optional>

namespace tiersync {

// A 5-field cron expression read in UTC: minute hour day-of-month month day-of-week.
// Each field is `*`, a number, a range `a-b`, a step `*/n` or `a-b/n` or `a/n`, or a
// comma-separated list of those; months and days of the week also take their English
// three-letter names (JAN, MON, case-insensitive); day-of-week 7 is Sunday like 0. As in
// Vixie cron, when both day fields are restricted a day matching either one matches.
//
// parse() refuses an expression that can never fire (`0 0 31 2 *`) with an error naming
// the field, and next() searches a bounded number of days, so it terminates on every
// input and answers "never" rather than looping.
class CronExpression final {
public:
    // Days next() looks ahead: more than the longest gap between two 29 Februaries
    // (2096 → 2104 skips 2100).
    static constexpr int kSearchDays = 9 * 366;

    [[nodiscard]] static Result<CronExpression> parse(const QString &text);

    // The first whole minute strictly after afterMs (epoch milliseconds, UTC) that the
    // expression matches; nullopt when none within kSearchDays.
    [[nodiscard]] std::optional<qint64> nextMs(qint64 afterMs) const;

    // The expression as given, whitespace normalised to single spaces.
    [[nodiscard]] const QString &text() const { return m_text; }

    friend bool operator==(const CronExpression &a, const CronExpression &b) { return a.m_text == b.m_text; }

private:
    CronExpression() = default;
    [[nodiscard]] bool matchesDay(int year, int month, int day) const;

    QString m_text;
    quint64 m_minutes = 0;  // bit n: minute n
    quint32 m_hours = 0;
    quint32 m_daysOfMonth = 0;  // bits 1..31
    quint32 m_months = 0;       // bits 1..12
    quint32 m_daysOfWeek = 0;   // bits 0..6, Sunday = 0
    bool m_dayOfMonthAny = true;
    bool m_dayOfWeekAny = true;
};

}  // namespace tiersync
