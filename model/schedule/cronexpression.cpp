#include "schedule/cronexpression.h"

#include <QDate>
#include <QDateTime>
#include <QStringList>

#include <array>

namespace tiersync {

namespace {

struct FieldSpec {
    const char *name;
    int low;
    int high;
    const char *const *names;  // names[i] is value low + i; nullptr: numbers only
    int nameCount;
};

constexpr const char *kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char *kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

constexpr std::array<FieldSpec, 5> kFields = {{
    {"minute", 0, 59, nullptr, 0},
    {"hour", 0, 23, nullptr, 0},
    {"day-of-month", 1, 31, nullptr, 0},
    {"month", 1, 12, kMonthNames, 12},
    {"day-of-week", 0, 7, kDayNames, 7},  // 7 is Sunday too
}};

Error fieldError(const FieldSpec &spec, const QString &message)
{
    return makeError(ErrorKind::InvalidArgument, QStringLiteral("cron %1: %2").arg(QLatin1String(spec.name), message));
}

Result<int> parseValue(const FieldSpec &spec, const QString &text)
{
    bool ok = false;
    const int value = text.toInt(&ok);
    if (ok) {
        if (value < spec.low || value > spec.high)
            return fieldError(spec, QStringLiteral("%1 is out of range %2-%3").arg(text).arg(spec.low).arg(spec.high));
        return value;
    }
    if (spec.names) {
        for (int i = 0; i < spec.nameCount; ++i)
            if (text.compare(QLatin1String(spec.names[i]), Qt::CaseInsensitive) == 0)
                return spec.low + i;
        return fieldError(spec, QStringLiteral("'%1' is neither a number from %2 to %3 nor a name")
                                    .arg(text)
                                    .arg(spec.low)
                                    .arg(spec.high));
    }
    return fieldError(spec, QStringLiteral("'%1' is not a number from %2 to %3").arg(text).arg(spec.low).arg(spec.high));
}

// Bit n set for every value n the field allows.
Result<quint64> parseField(const FieldSpec &spec, const QString &field)
{
    if (field.isEmpty())
        return fieldError(spec, QStringLiteral("empty"));
    quint64 bits = 0;
    const QStringList items = field.split(QLatin1Char(','));
    for (const QString &item : items) {
        if (item.isEmpty())
            return fieldError(spec, QStringLiteral("empty item in list '%1'").arg(field));
        QString range = item;
        int step = 1;
        if (const qsizetype slash = item.indexOf(QLatin1Char('/')); slash >= 0) {
            range = item.left(slash);
            const QString stepText = item.mid(slash + 1);
            bool ok = false;
            step = stepText.toInt(&ok);
            if (!ok || step < 1 || step > spec.high - spec.low + 1)
                return fieldError(spec, QStringLiteral("step '%1' is not a number from 1 to %2")
                                            .arg(stepText)
                                            .arg(spec.high - spec.low + 1));
        }
        int first = spec.low;
        int last = spec.high;
        if (range != QLatin1String("*")) {
            const qsizetype dash = range.indexOf(QLatin1Char('-'));
            auto from = parseValue(spec, dash >= 0 ? range.left(dash) : range);
            if (!from)
                return from.error();
            first = *from;
            if (dash >= 0) {
                auto to = parseValue(spec, range.mid(dash + 1));
                if (!to)
                    return to.error();
                last = *to;
                if (last < first)
                    return fieldError(spec, QStringLiteral("range '%1' runs backwards").arg(range));
            } else if (step == 1) {
                last = first;  // a single value; "a/n" means a to the end, every n
            }
        }
        for (int value = first; value <= last; value += step)
            bits |= quint64(1) << value;
    }
    return bits;
}

int daysInMonthAnyYear(int month)
{
    return month == 2 ? 29 : QDate(2001, month, 1).daysInMonth();
}

}  // namespace

Result<CronExpression> CronExpression::parse(const QString &text)
{
    const QStringList fields = text.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (fields.size() != 5)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("cron: expected 5 fields (minute hour day-of-month month day-of-week), "
                                        "got %1 in '%2'")
                             .arg(fields.size())
                             .arg(text.simplified()));
    std::array<quint64, 5> bits{};
    for (int i = 0; i < 5; ++i) {
        auto parsed = parseField(kFields[i], fields.at(i));
        if (!parsed)
            return parsed.error();
        bits[i] = *parsed;
    }
    CronExpression cron;
    cron.m_text = fields.join(QLatin1Char(' '));
    cron.m_minutes = bits[0];
    cron.m_hours = quint32(bits[1]);
    cron.m_daysOfMonth = quint32(bits[2]);
    cron.m_months = quint32(bits[3]);
    cron.m_daysOfWeek = quint32((bits[4] | (bits[4] >> 7)) & 0x7f);  // 7 → Sunday (0)
    cron.m_dayOfMonthAny = fields.at(2).startsWith(QLatin1Char('*'));
    cron.m_dayOfWeekAny = fields.at(4).startsWith(QLatin1Char('*'));

    // Only the day of the month can make an expression impossible (31 February): with
    // day-of-week restricted too, a matching weekday is enough.
    if (!cron.m_dayOfMonthAny && cron.m_dayOfWeekAny) {
        bool possible = false;
        for (int month = 1; month <= 12 && !possible; ++month) {
            if (!(cron.m_months & (1u << month)))
                continue;
            for (int day = 1; day <= daysInMonthAnyYear(month) && !possible; ++day)
                possible = cron.m_daysOfMonth & (1u << day);
        }
        if (!possible)
            return fieldError(kFields[2], QStringLiteral("'%1' never occurs in month '%2'").arg(fields.at(2), fields.at(3)));
    }
    return cron;
}

bool CronExpression::matchesDay(int year, int month, int day) const
{
    if (!(m_months & (1u << month)))
        return false;
    const bool dayOfMonth = m_daysOfMonth & (1u << day);
    const bool dayOfWeek = m_daysOfWeek & (1u << (QDate(year, month, day).dayOfWeek() % 7));
    if (m_dayOfMonthAny)
        return dayOfWeek;
    if (m_dayOfWeekAny)
        return dayOfMonth;
    return dayOfMonth || dayOfWeek;
}

std::optional<qint64> CronExpression::nextMs(qint64 afterMs) const
{
    constexpr qint64 kMinuteMs = 60000;
    // The minute after the one afterMs falls in (floor division: negative times too).
    qint64 startMs = afterMs - ((afterMs % kMinuteMs) + kMinuteMs) % kMinuteMs + kMinuteMs;
    const QDateTime start = QDateTime::fromMSecsSinceEpoch(startMs, Qt::UTC);
    QDate date = start.date();
    int fromHour = start.time().hour();
    int fromMinute = start.time().minute();
    for (int i = 0; i < kSearchDays; ++i, date = date.addDays(1), fromHour = 0, fromMinute = 0) {
        if (!matchesDay(date.year(), date.month(), date.day()))
            continue;
        for (int hour = fromHour; hour < 24; ++hour) {
            if (!(m_hours & (1u << hour)))
                continue;
            for (int minute = hour == fromHour ? fromMinute : 0; minute < 60; ++minute) {
                if (m_minutes & (quint64(1) << minute))
                    return QDateTime(date, QTime(hour, minute), Qt::UTC).toMSecsSinceEpoch();
            }
        }
    }
    return std::nullopt;
}

}  // namespace tiersync
