#include "webhook/notificationdelta.h"

#include "core/jsonfile.h"
#include "sync/zohotime.h"

#include <QDateTime>

#include <cstdlib>

namespace tiersync::notificationdelta {

namespace {

QString twoDigits(int value)
{
    return QStringLiteral("%1").arg(value, 2, 10, QLatin1Char('0'));
}

}  // namespace

QString formatZohoTime(qint64 epochSeconds, int offsetSeconds, bool colonInOffset)
{
    const QDateTime local = QDateTime::fromSecsSinceEpoch(epochSeconds, Qt::OffsetFromUTC, offsetSeconds);
    const int offset = std::abs(offsetSeconds);
    return local.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss")) + (offsetSeconds < 0 ? QLatin1Char('-') : QLatin1Char('+'))
        + twoDigits(offset / 3600) + (colonInOffset ? QStringLiteral(":") : QString()) + twoDigits(offset % 3600 / 60);
}

std::optional<QJsonObject> merged(const EntityDefinition &entity, const EntityRepository::StoredRow &stored,
                                  const QJsonObject &values, qint64 serverTimeMs)
{
    if (stored.deletedAt.isValid() || values.isEmpty() || serverTimeMs < 0 || entity.modifiedField.isEmpty())
        return std::nullopt;
    if (values.contains(entity.idField) && values.value(entity.idField) != QJsonValue(stored.row.zohoId))
        return std::nullopt;
    const QDateTime storedModified = stored.row.lastModifiedTime;
    if (!storedModified.isValid() || serverTimeMs / 1000 <= storedModified.toSecsSinceEpoch())
        return std::nullopt;
    auto payload = parseJsonObject(stored.row.payload);
    if (!payload)
        return std::nullopt;
    // The stored spelling of the time gives the offset and style Zoho uses for this record.
    const QJsonValue storedText = payload->value(entity.modifiedField);
    const QDateTime spelled = parseZohoTime(storedText);
    const qsizetype length = storedText.toString().size();
    if ((length != 24 && length != 25) || !spelled.isValid() || spelled.toSecsSinceEpoch() != storedModified.toSecsSinceEpoch())
        return std::nullopt;
    QJsonObject record = *payload;
    for (auto it = values.begin(); it != values.end(); ++it)
        record.insert(it.key(), it.value());
    const bool colon = length == 25;
    record.insert(entity.modifiedField, formatZohoTime(serverTimeMs / 1000, spelled.offsetFromUtc(), colon));
    return record;
}

}  // namespace tiersync::notificationdelta
