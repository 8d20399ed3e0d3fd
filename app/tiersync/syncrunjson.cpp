#include "syncrunjson.h"

#include <QJsonValue>

namespace tiersync::cli {

namespace {

QJsonValue time(const QDateTime &at)
{
    return at.isValid() ? QJsonValue(at.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

}  // namespace

QJsonObject syncRunToJson(const SyncRunRepository::Run &run)
{
    return QJsonObject{
        {QStringLiteral("run_id"), double(run.id)},
        {QStringLiteral("entity_type"), run.entityType},
        {QStringLiteral("mode"), run.mode},
        {QStringLiteral("trigger"), run.trigger},
        {QStringLiteral("status"), syncRunStatusName(run.status)},
        {QStringLiteral("started_at"), time(run.startedAt)},
        {QStringLiteral("finished_at"), time(run.finishedAt)},
        {QStringLiteral("fetched"), double(run.counters.fetched)},
        {QStringLiteral("synced"), double(run.counters.synced)},
        {QStringLiteral("skipped"), double(run.counters.skipped)},
        {QStringLiteral("failed"), double(run.counters.failed)},
        {QStringLiteral("deleted"), double(run.counters.deleted)},
        {QStringLiteral("pages"), run.counters.pages},
        {QStringLiteral("zoho_calls"), run.counters.zohoCalls},
        {QStringLiteral("retries"), run.counters.retries},
        {QStringLiteral("listing_shifted"), run.counters.listingShifted},
        {QStringLiteral("caught_up"), double(run.counters.caughtUp)},
        {QStringLiteral("listing_passes"), run.counters.listingPasses},
        {QStringLiteral("duration_ms"), run.durationMs >= 0 ? QJsonValue(double(run.durationMs)) : QJsonValue()},
        {QStringLiteral("error"), run.error.isEmpty() ? QJsonValue() : QJsonValue(run.error)},
    };
}

}  // namespace tiersync::cli
