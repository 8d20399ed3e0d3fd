#include "webhook/channelrepository.h"

#include "store/pgconnection.h"
#include "store/pgvalues.h"

#include <pqxx/pqxx>

namespace tiersync {

namespace {

using Idempotency = PgConnection::Idempotency;

std::optional<std::string> optionalText(const QString &text)
{
    if (text.isEmpty())
        return std::nullopt;
    return text.toStdString();
}

std::string channelColumns()
{
    return "channel_id, entity_type, module, events::text, notify_url, " + pgEpochMs("expires_at") + ", "
        + pgEpochMs("enabled_at") + ", " + pgEpochMs("renewed_at") + ", " + pgEpochMs("last_notification_at")
        + ", notifications, status, last_error, " + pgEpochMs("updated_at") + ", " + pgEpochMs("degraded_at")
        + ", degraded_reason, " + pgEpochMs("clean_since") + ", " + pgEpochMs("last_check_at")
        + ", coalesce(last_check_missed, 0)";
}

NotificationChannel toChannel(const pqxx::row &r)
{
    NotificationChannel channel;
    channel.channelId = fromPgText(r[0]);
    channel.entityType = fromPgText(r[1]);
    channel.module = fromPgText(r[2]);
    channel.events = fromPgTextArray(r[3].as<std::string>());
    channel.notifyUrl = fromPgText(r[4]);
    channel.expiresAt = fromPgEpochMs(r[5]);
    channel.enabledAt = fromPgEpochMs(r[6]);
    channel.renewedAt = fromPgEpochMs(r[7]);
    channel.lastNotificationAt = fromPgEpochMs(r[8]);
    channel.notifications = r[9].as<long long>();
    // The table's CHECK admits only known names.
    channel.status = channelStatusFromName(fromPgText(r[10])).value_or(ChannelStatus::Failed);
    channel.lastError = fromPgText(r[11]);
    channel.updatedAt = fromPgEpochMs(r[12]);
    channel.degradedAt = fromPgEpochMs(r[13]);
    channel.degradedReason = fromPgText(r[14]);
    channel.cleanSince = fromPgEpochMs(r[15]);
    channel.lastCheckAt = fromPgEpochMs(r[16]);
    channel.lastCheckMissed = r[17].as<int>();
    return channel;
}

}  // namespace

ChannelRepository::ChannelRepository(PgConnection &connection)
    : m_connection(connection)
{
}

Result<QList<NotificationChannel>> ChannelRepository::list()
{
    QList<NotificationChannel> channels;
    Status status = m_connection.transaction(
        QStringLiteral("listing notification channels"),
        [&](pqxx::transaction_base &txn) -> Status {
            channels.clear();
            for (const auto &r : txn.exec("SELECT " + channelColumns()
                                          + " FROM tiersync.notification_channels ORDER BY module, channel_id"))
                channels << toChannel(r);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return channels;
}

Result<std::optional<NotificationChannel>> ChannelRepository::get(const QString &channelId)
{
    std::optional<NotificationChannel> found;
    Status status = m_connection.transaction(
        QStringLiteral("reading notification channel"),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params("SELECT " + channelColumns()
                                                    + " FROM tiersync.notification_channels WHERE channel_id = $1",
                                                channelId.toStdString());
            found.reset();
            if (!result.empty())
                found = toChannel(result[0]);
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return found;
}

Status ChannelRepository::save(const NotificationChannel &channel)
{
    if (channel.channelId.isEmpty() || channel.entityType.isEmpty() || channel.module.isEmpty())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("a notification channel needs an id, an entity type and a module"));
    return m_connection.transaction(
        QStringLiteral("saving notification channel"),
        [&](pqxx::transaction_base &txn) -> Status {
            txn.exec_params(
                "INSERT INTO tiersync.notification_channels (channel_id, entity_type, module, events, notify_url,"
                " expires_at, enabled_at, renewed_at, status, last_error, updated_at)"
                " VALUES ($1, $2, $3, $4::text[], $5, $6::timestamptz, $7::timestamptz, $8::timestamptz, $9, $10,"
                " coalesce($11::timestamptz, now()))"
                " ON CONFLICT (channel_id) DO UPDATE SET entity_type = EXCLUDED.entity_type,"
                " module = EXCLUDED.module, events = EXCLUDED.events, notify_url = EXCLUDED.notify_url,"
                " expires_at = EXCLUDED.expires_at, enabled_at = EXCLUDED.enabled_at,"
                " renewed_at = EXCLUDED.renewed_at, status = EXCLUDED.status, last_error = EXCLUDED.last_error,"
                " updated_at = EXCLUDED.updated_at",
                channel.channelId.toStdString(), channel.entityType.toStdString(), channel.module.toStdString(),
                toPgTextArray(channel.events), channel.notifyUrl.toStdString(), toPgTimestamp(channel.expiresAt),
                toPgTimestamp(channel.enabledAt), toPgTimestamp(channel.renewedAt),
                channelStatusName(channel.status).toStdString(), optionalText(channel.lastError),
                toPgTimestamp(channel.updatedAt));
            return {};
        },
        Idempotency::Idempotent);
}

Result<bool> ChannelRepository::recordNotification(const QString &channelId, const QDateTime &at)
{
    if (channelId.isEmpty())
        return false;
    bool known = false;
    Status status = m_connection.transaction(
        QStringLiteral("recording a channel's notification"),
        [&](pqxx::transaction_base &txn) -> Status {
            const auto result = txn.exec_params(
                "UPDATE tiersync.notification_channels SET notifications = notifications + 1,"
                " last_notification_at = greatest(last_notification_at, coalesce($2::timestamptz, now()))"
                " WHERE channel_id = $1",
                channelId.toStdString(), toPgTimestamp(at));
            known = result.affected_rows() == 1;
            return {};
        },
        // A counter: never replayed, so a lost commit answer cannot count twice.
        Idempotency::NotIdempotent);
    if (!status)
        return status.error();
    return known;
}

Result<QList<ChannelRepository::CheckResult>> ChannelRepository::recordCheck(const Check &check)
{
    if (check.entityType.isEmpty() || check.runId <= 0)
        return makeError(ErrorKind::InvalidArgument, QStringLiteral("a channel check needs an entity type and a run"));
    const auto at = [](qint64 ms) { return toPgTimestamp(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)); };
    const QString reason = QStringLiteral("feed run %1 found %2 change(s) the notifications never brought");
    QList<CheckResult> results;
    Status status = m_connection.transaction(
        QStringLiteral("recording a feed run's check of its channels"),
        [&](pqxx::transaction_base &txn) -> Status {
            results.clear();
            // Every right-hand side sees the row as it was: clean_since and degraded_at
            // decide together from the old values.
            const auto rows = txn.exec_params(
                "WITH run AS (SELECT started_at, coalesce(finished_at, now()) AS finished_at"
                "             FROM tiersync.sync_runs WHERE id = $2),"
                " missed AS (SELECT c.channel_id, count(e.zoho_id)::int AS n"
                "            FROM tiersync.notification_channels c CROSS JOIN run"
                "            LEFT JOIN tiersync.entities e ON e.entity_type = c.entity_type AND e.deleted_at IS NULL"
                "             AND e.synced_at BETWEEN run.started_at AND run.finished_at"
                "             AND e.last_modified_time > coalesce(c.enabled_at, '-infinity')"
                "             AND e.last_modified_time <= $3::timestamptz"
                "            WHERE c.entity_type = $1 AND c.status = 'active'"
                "            GROUP BY c.channel_id),"
                " judged AS (SELECT c.channel_id, m.n,"
                "            c.degraded_at IS NOT NULL AND m.n = 0 AND c.clean_since IS NOT NULL"
                "             AND $4::timestamptz - c.clean_since >= make_interval(secs => $5::double precision)"
                "             AND c.last_notification_at >= c.clean_since AS recovers"
                "            FROM tiersync.notification_channels c JOIN missed m USING (channel_id))"
                " UPDATE tiersync.notification_channels c SET"
                "  last_check_at = $4::timestamptz, last_check_missed = j.n,"
                "  degraded_at = CASE WHEN j.n > 0 THEN $4::timestamptz WHEN j.recovers THEN NULL ELSE c.degraded_at END,"
                "  degraded_reason = CASE WHEN j.n > 0 THEN format($6::text, j.n) WHEN j.recovers THEN NULL"
                "                    ELSE c.degraded_reason END,"
                "  clean_since = CASE WHEN j.n > 0 OR j.recovers OR c.degraded_at IS NULL THEN NULL"
                "                WHEN c.clean_since IS NULL THEN $4::timestamptz ELSE c.clean_since END"
                " FROM judged j WHERE c.channel_id = j.channel_id"
                " RETURNING c.channel_id, j.n, j.recovers, c.degraded_at IS NOT NULL",
                check.entityType.toStdString(), check.runId, at(check.atMs - check.graceMs), at(check.atMs),
                double(check.probationMs) / 1000.0,
                reason.arg(check.runId).arg(QStringLiteral("%s")).toStdString());
            for (const auto &r : rows) {
                CheckResult result;
                result.channelId = fromPgText(r[0]);
                result.missed = r[1].as<int>();
                const bool recovered = r[2].as<bool>();
                const bool degraded = r[3].as<bool>();
                result.verdict = result.missed > 0 ? Verdict::Degraded
                    : recovered                    ? Verdict::Recovered
                    : degraded                     ? Verdict::Probation
                                                   : Verdict::Clean;
                results.append(result);
            }
            return {};
        },
        Idempotency::Idempotent);
    if (!status)
        return status.error();
    return results;
}

ChannelHealthFacts ChannelRepository::healthFacts(const NotificationChannel &channel)
{
    const auto ms = [](const QDateTime &time) { return time.isValid() ? time.toMSecsSinceEpoch() : qint64(0); };
    ChannelHealthFacts facts;
    facts.entityType = channel.entityType;
    facts.active = channel.status == ChannelStatus::Active;
    facts.failing = !channel.lastError.isEmpty();
    facts.expiresAtMs = ms(channel.expiresAt);
    facts.confirmedAtMs = ms(channel.updatedAt);
    facts.degradedAtMs = ms(channel.degradedAt);
    return facts;
}

}  // namespace tiersync
