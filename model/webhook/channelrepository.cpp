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
        + ", notifications, status, last_error, " + pgEpochMs("updated_at");
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

}  // namespace tiersync
