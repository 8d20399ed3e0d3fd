#include "sync/zohotime.h"

namespace tiersync {

namespace {

int digits(const QChar *text, int count)
{
    int value = 0;
    for (int i = 0; i < count; ++i) {
        const char16_t c = text[i].unicode();
        if (c < u'0' || c > u'9')
            return -1;
        value = value * 10 + (c - u'0');
    }
    return value;
}

}  // namespace

QDateTime parseZohoTime(const QJsonValue &value)
{
    if (!value.isString())
        return {};
    const QString text = value.toString();
    const QChar *c = text.constData();
    const qsizetype size = text.size();
    if ((size == 24 || size == 25) && c[4] == u'-' && c[7] == u'-' && c[10] == u'T' && c[13] == u':'
        && c[16] == u':' && (c[19] == u'+' || c[19] == u'-')) {
        const int year = digits(c, 4), month = digits(c + 5, 2), day = digits(c + 8, 2);
        const int hour = digits(c + 11, 2), minute = digits(c + 14, 2), second = digits(c + 17, 2);
        const int offsetHours = digits(c + 20, 2);
        const int offsetMinutes = size == 25 && c[22] == u':' ? digits(c + 23, 2) : size == 24 ? digits(c + 22, 2) : -1;
        const QDate date(year, month, day);
        const QTime time(hour, minute, second);
        // Offsets beyond ±14:59 (or minutes past 59) are no zone's: Qt's parser below judges them.
        if (date.isValid() && time.isValid() && offsetHours >= 0 && offsetHours <= 14 && offsetMinutes >= 0
            && offsetMinutes <= 59) {
            const int offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (c[19] == u'-' ? -1 : 1);
            return QDateTime(date, time, Qt::OffsetFromUTC, offsetSeconds);
        }
    }
    return QDateTime::fromString(text, Qt::ISODate);
}

}  // namespace tiersync
