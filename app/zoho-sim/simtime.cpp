#include "simtime.h"

#include <QDateTime>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace tiersync::sim {
namespace {

std::string format(qint64 epochSeconds, bool withTime, const char *offsetSeparator)
{
    using namespace std::chrono;
    const sys_seconds local{seconds{epochSeconds + simUtcOffsetMinutes * 60}};
    const auto day = floor<days>(local);
    const year_month_day ymd{day};
    const hh_mm_ss hms{local - day};
    char buffer[48];
    int length = 0;
    if (withTime) {
        const int offset = std::abs(simUtcOffsetMinutes);
        length = std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d%s%02d",
                               static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                               static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                               static_cast<int>(hms.minutes().count()),
                               static_cast<int>(hms.seconds().count()),
                               simUtcOffsetMinutes < 0 ? '-' : '+', offset / 60, offsetSeparator,
                               offset % 60);
    } else {
        length = std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                               static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    }
    return std::string(buffer, static_cast<std::size_t>(length));
}

}  // namespace

std::string formatBooksTime(qint64 epochSeconds)
{
    return format(epochSeconds, true, "");
}

std::string formatCrmTime(qint64 epochSeconds)
{
    return format(epochSeconds, true, ":");
}

std::string formatDate(qint64 epochSeconds)
{
    return format(epochSeconds, false, "");
}

std::optional<qint64> parseHttpOrIsoTime(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;
    QDateTime parsed = QDateTime::fromString(trimmed, Qt::ISODate);
    if (!parsed.isValid()) {
        // HTTP dates end in "GMT", which Qt's RFC 2822 parser wants as an offset.
        QString rfc = trimmed;
        if (rfc.endsWith(QLatin1String(" GMT")) || rfc.endsWith(QLatin1String(" UTC")))
            rfc = rfc.left(rfc.size() - 3) + QLatin1String("+0000");
        parsed = QDateTime::fromString(rfc, Qt::RFC2822Date);
    }
    if (!parsed.isValid())
        return std::nullopt;
    return parsed.toSecsSinceEpoch();
}

qint64 nowEpochSeconds()
{
    return QDateTime::currentSecsSinceEpoch();
}

qint64 nowEpochMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

}  // namespace tiersync::sim
