#include "console/keypattern.h"

#include "redis/redisscanner.h"

namespace tiersync {

QByteArray KeyPattern::toScanMatch(const QString &text)
{
    if (text.isEmpty())
        return {};
    const QByteArray utf8 = text.toUtf8();
    if (!utf8.contains('*'))
        return RedisScanner::escapeGlob(utf8) + '*';
    QByteArray match;
    const QList<QByteArray> parts = utf8.split('*');
    for (qsizetype i = 0; i < parts.size(); ++i) {
        if (i > 0)
            match.append('*');
        match.append(RedisScanner::escapeGlob(parts.at(i)));
    }
    return match;
}

bool KeyPattern::matchesEverything(const QString &text)
{
    QString stripped = text;
    stripped.remove(QLatin1Char('*'));
    return stripped.isEmpty();
}

}  // namespace tiersync
