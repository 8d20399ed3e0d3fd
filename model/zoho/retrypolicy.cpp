#include "zoho/retrypolicy.h"

#include <QLocale>
#include <QRandomGenerator>

#include <algorithm>

namespace tiersync {

qint64 RetryPolicy::backoffCeilingMs(int attempt) const
{
    const qint64 base = std::max<qint64>(0, baseDelayMs);
    const qint64 cap = std::max<qint64>(0, maxDelayMs);
    qint64 ceiling = base;
    // Double step by step so a large attempt number cannot overflow.
    for (int i = 1; i < attempt && ceiling < cap; ++i)
        ceiling *= 2;
    return std::min(ceiling, cap);
}

qint64 RetryPolicy::backoffDelayMs(int attempt, double unit) const
{
    const double clamped = std::clamp(unit, 0.0, 1.0);
    const qint64 ceiling = backoffCeilingMs(attempt);
    return std::min(ceiling, qint64(clamped * double(ceiling + 1)));
}

qint64 RetryPolicy::backoffDelayMs(int attempt) const
{
    return backoffDelayMs(attempt, QRandomGenerator::global()->generateDouble());
}

qint64 RetryPolicy::delayMs(int attempt, std::optional<qint64> retryAfterMs, double unit) const
{
    if (retryAfterMs)
        return std::clamp<qint64>(*retryAfterMs, 0, std::max<qint64>(0, maxRetryAfterMs));
    return backoffDelayMs(attempt, unit);
}

qint64 RetryPolicy::delayMs(int attempt, std::optional<qint64> retryAfterMs) const
{
    return delayMs(attempt, retryAfterMs, QRandomGenerator::global()->generateDouble());
}

bool RetryPolicy::isRetryable(const Error &error)
{
    switch (error.kind) {
    case ErrorKind::Timeout:
    case ErrorKind::Unavailable:
        return true;
    case ErrorKind::Server:
        // Books reports its transient internal error as code 1000, CRM as INTERNAL_ERROR;
        // other 5xx (501 Not Implemented, 505…) will not change on a second try.
        if (error.code == QLatin1String("1000") || error.code == QLatin1String("INTERNAL_ERROR"))
            return true;
        return error.httpStatus == 500 || error.httpStatus == 502 || error.httpStatus == 503
               || error.httpStatus == 504 || error.httpStatus == 0;
    case ErrorKind::RateLimited:
        // 45 is the daily limit: retrying only burns the next day's quota.
        return error.code != QLatin1String("45");
    default:
        return false;
    }
}

std::optional<qint64> RetryPolicy::parseRetryAfterMs(const QByteArray &value,
                                                     const QDateTime &nowUtc)
{
    const QByteArray trimmed = value.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;
    bool isNumber = false;
    const qint64 seconds = trimmed.toLongLong(&isNumber);
    if (isNumber)
        return seconds < 0 ? std::nullopt : std::optional<qint64>(seconds * 1000);

    // HTTP-date (RFC 9110 IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT".
    const QString text = QString::fromLatin1(trimmed);
    QDateTime when = QLocale::c().toDateTime(text, QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (when.isValid())
        when = QDateTime(when.date(), when.time(), Qt::UTC);
    else
        when = QDateTime::fromString(text, Qt::RFC2822Date);  // carries its own offset
    if (!when.isValid())
        return std::nullopt;
    return std::max<qint64>(0, nowUtc.msecsTo(when));
}

}  // namespace tiersync
