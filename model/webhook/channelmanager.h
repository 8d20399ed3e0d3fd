#pragma once

#include "core/epochclock.h"
#include "core/pgsettings.h"
#include "core/result.h"
#include "core/secret.h"
#include "sync/entitydefinition.h"
#include "sync/entityregistry.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

namespace tiersync {

class AdvisoryLock;
class PgConnection;
class ZohoClient;

// Keeps one Zoho CRM notification channel (actions/watch) per fed CRM module — every CRM
// entity type with a moodle_user_id_field in the EntityRegistry — pointing at the public
// callback URL, and records each in tiersync.notification_channels.
//
// A pass (ensure()): Zoho's channel list is read; a channel Zoho does not list (dropped,
// expired, never enabled) is enabled; one listed with less than renewMarginMs left (or
// another URL or events, or listed with return_affected_field_values false) is renewed
// with PUT, and re-enabled if Zoho answers that it is no longer subscribed; a recorded
// channel of a module no longer fed is disabled. Expiry is now + lifetimeMs by the
// injected clock (Zoho refuses more than 7 days on its own clock, hence the default
// margin of 10 minutes). Events `{Module}.all`, token the CRM webhook
// token (never logged), channel ids stable per (OAuth client id, module), and
// return_affected_field_values, so an update's notification brings its values
// (WebhookProcessor applies them without a Get Records call).
//
// One manager at a time across every instance: the first pass takes a session advisory
// lock ("tiersync:channels") on the manager's own PostgreSQL connection and keeps it until
// the manager goes; a manager that cannot take it does nothing (ManagedElsewhere).
// Blocking: use a manager on one worker thread (never the Zoho client's).
class ChannelManager final {
public:
    static constexpr qint64 kMaxLifetimeMs = 7LL * 24 * 3600 * 1000;
    static constexpr int kMaxTokenLength = 50;   // Zoho's limit on a channel token
    static constexpr char kLockName[] = "tiersync:channels";
    static constexpr char kNotifyPath[] = "/webhooks/zoho/crm";

    struct Options {
        QString publicUrl;            // http(s) base of this service; empty: no channels
        Secret token;                 // WebhookSettings::crmToken
        QString clientId;             // ZohoSettings::clientId
        QString crmVersion = QStringLiteral("v2");
        EpochClock clock;             // null: the system clock
        qint64 lifetimeMs = kMaxLifetimeMs - 10LL * 60 * 1000;
        qint64 renewMarginMs = 24LL * 3600 * 1000;
    };

    struct Pass {
        enum class Outcome {
            Done,              // every fed module looked at (errors, if any, in `errors`)
            NoPublicUrl,       // nothing enabled: no callback URL configured
            ManagedElsewhere,  // another manager holds the lock
        };
        Outcome outcome = Outcome::Done;
        int kept = 0;          // listed with time left
        int enabled = 0;       // enabled for the first time
        int reenabled = 0;     // recorded before, gone from Zoho (dropped or expired), enabled again
        int renewed = 0;
        int disabled = 0;
        int failed = 0;        // refused by Zoho, or the call failed
        QStringList errors;    // "Students: INVALID_DATA (notify_url): …"
    };

    ChannelManager(EntityRegistry registry, PgSettings pg, ZohoClient *client, Options options);
    ~ChannelManager();
    Q_DISABLE_COPY_MOVE(ChannelManager)

    // publicUrl + kNotifyPath; InvalidArgument unless an absolute http(s) URL with a host
    // and without query or fragment.
    [[nodiscard]] static Result<QString> notifyUrlFor(const QString &publicUrl);
    // A positive 16-digit number from (client id, module): the same channel across restarts
    // and instances of one OAuth client.
    [[nodiscard]] static QString channelIdFor(const QString &clientId, const QString &module);
    // The CRM entity types whose records name a student.
    [[nodiscard]] static QList<EntityDefinition> fedEntities(const EntityRegistry &registry);

    // One pass (see above). An error: the pass could not start (bad settings, PostgreSQL,
    // Zoho's list failed); per-channel failures are counted in the Pass instead.
    [[nodiscard]] Result<Pass> ensure();
    // Disables every recorded channel that is not disabled yet (also takes the lock).
    [[nodiscard]] Result<Pass> disableAll();
    [[nodiscard]] bool holdsLock() const;

private:
    [[nodiscard]] Result<bool> takeLock();
    [[nodiscard]] PgConnection &connection();

    EntityRegistry m_registry;
    PgSettings m_pg;
    ZohoClient *m_client;
    Options m_options;
    std::unique_ptr<PgConnection> m_connection;
    std::unique_ptr<AdvisoryLock> m_lock;
};

}  // namespace tiersync
