#pragma once

#include "cache/channelhealthfacts.h"
#include "core/result.h"
#include "webhook/notificationchannel.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace tiersync {

class PgConnection;

// tiersync.notification_channels: the CRM notification channels a serve keeps (written by
// ChannelManager) and what they delivered (written by the CRM webhook handler). Same
// thread rules as the PgConnection it uses.
class ChannelRepository final {
public:
    explicit ChannelRepository(PgConnection &connection);

    // Every channel, by module then channel id.
    [[nodiscard]] Result<QList<NotificationChannel>> list();
    [[nodiscard]] Result<std::optional<NotificationChannel>> get(const QString &channelId);
    // Inserts or replaces the row, all but the notification counters (kept as they are;
    // 0 for a new row). updated_at = channel.updatedAt, or now() when invalid.
    [[nodiscard]] Status save(const NotificationChannel &channel);
    // A notification arrived on channelId at `at`: last_notification_at = at (never moved
    // back), notifications += 1. false when no such channel is recorded (not ours).
    [[nodiscard]] Result<bool> recordNotification(const QString &channelId, const QDateTime &at);

    // A feed run's self-check of the channels of its entity type (FeedCadence).
    struct Check {
        QString entityType;
        qint64 runId = 0;        // the feed run (sync_runs): the rows it wrote are the ones looked at
        qint64 atMs = 0;         // the run's start by the scheduler's clock
        qint64 graceMs = 0;      // a change younger than this at atMs may still be on its way
        qint64 probationMs = 0;  // clean time a degraded channel needs to be healthy again
    };
    enum class Verdict {
        Clean,      // nothing missed, and it was not degraded
        Degraded,   // the run found changes it never delivered: degraded (again) now
        Probation,  // degraded, nothing missed this time: proving itself
        Recovered,  // degraded, clean for the probation with notifications delivered: healthy again
    };
    struct CheckResult {
        QString channelId;
        int missed = 0;  // rows the run changed, modified after the channel was enabled and before atMs - grace
        Verdict verdict = Verdict::Clean;
    };
    // For every active channel of check.entityType, in one statement: the rows run runId
    // wrote (synced_at within the run) whose Modified_Time is after the channel's
    // enabled_at and at least graceMs before atMs are changes its notifications never
    // brought (a delivered change is committed by the webhook first, so the run finds
    // it unchanged and writes nothing). Any such row degrades the channel (degraded_at =
    // atMs, clean_since cleared). A run that finds none starts (clean_since = atMs) or
    // continues a degraded channel's probation; once clean for probationMs with a
    // notification delivered since clean_since, the channel is no longer degraded. Only
    // for incremental runs: a full run writes every row.
    [[nodiscard]] Result<QList<CheckResult>> recordCheck(const Check &check);

    // The health of a row at nowMs (the same rule the read path and the scheduler apply).
    [[nodiscard]] static ChannelHealthFacts healthFacts(const NotificationChannel &channel);

private:
    PgConnection &m_connection;
};

}  // namespace tiersync
