#include "webhook/channelmanager.h"

#include "store/advisorylock.h"
#include "store/pgconnection.h"
#include "webhook/channelrepository.h"
#include "zoho/awaitresult.h"
#include "zoho/zohowatchapi.h"

#include <QCryptographicHash>
#include <QHash>
#include <QSet>
#include <QLoggingCategory>
#include <QUrl>
#include <QtEndian>

#include <algorithm>

namespace tiersync {

namespace {

Q_LOGGING_CATEGORY(lcChannels, "tiersync.channels")

QString describe(const WatchItemResult &item)
{
    QString text = item.code;
    if (!item.field.isEmpty())
        text += QStringLiteral(" (%1)").arg(item.field);
    if (!item.message.isEmpty())
        text += QStringLiteral(": ") + item.message;
    return text;
}

// Whether a listed channel's events cover every change of module (Zoho may list
// "{Module}.all" as its three parts).
bool coversAll(const QStringList &events, const QString &module)
{
    if (events.contains(module + QStringLiteral(".all")))
        return true;
    for (const char *operation : {".create", ".edit", ".delete"})
        if (!events.contains(module + QLatin1String(operation)))
            return false;
    return true;
}

QDateTime atMs(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

// The rows of one pass, by channel id, saved at its end.
struct Work {
    EntityDefinition entity;
    NotificationChannel row;
    bool known = false;   // recorded before this pass
    WatchSubscription subscription;
};

}  // namespace

ChannelManager::ChannelManager(EntityRegistry registry, PgSettings pg, ZohoClient *client, Options options)
    : m_registry(std::move(registry))
    , m_pg(std::move(pg))
    , m_client(client)
    , m_options(std::move(options))
{
    m_options.clock = orSystemEpochClock(m_options.clock);
}

ChannelManager::~ChannelManager()
{
    if (m_lock && m_lock->isHeld())
        (void)m_lock->unlock();
    m_lock.reset();
}

Result<QString> ChannelManager::notifyUrlFor(const QString &publicUrl)
{
    const QString trimmed = publicUrl.trimmed();
    const QUrl url(trimmed, QUrl::StrictMode);
    if (trimmed.isEmpty() || !url.isValid() || url.host().isEmpty()
        || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.hasQuery()
        || url.hasFragment() || !url.userInfo().isEmpty())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("the public URL must be an absolute http(s) URL such as "
                                        "https://tiersync.example.org, without query or fragment"));
    QString base = url.toString(QUrl::FullyEncoded);
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    return base + QLatin1String(kNotifyPath);
}

QString ChannelManager::channelIdFor(const QString &clientId, const QString &module)
{
    const QByteArray digest = QCryptographicHash::hash((clientId + QLatin1Char('\n') + module).toUtf8(),
                                                       QCryptographicHash::Sha256);
    const quint64 bits = qFromBigEndian<quint64>(digest.constData());
    // 16 digits, below 2^53: a JSON number carries it exactly.
    return QString::number(1'000'000'000'000'000ULL + bits % 8'000'000'000'000'000ULL);
}

QList<EntityDefinition> ChannelManager::fedEntities(const EntityRegistry &registry)
{
    QList<EntityDefinition> fed;
    for (const EntityDefinition &entity : registry.entities())
        if (entity.source == EntityDefinition::Source::Crm && !entity.moodleUserIdField.isEmpty()
            && !entity.module.isEmpty())
            fed.append(entity);
    return fed;
}

bool ChannelManager::holdsLock() const
{
    return m_lock && m_lock->isHeld();
}

PgConnection &ChannelManager::connection()
{
    // Its own session: the advisory lock lives as long as it does.
    if (!m_connection)
        m_connection = std::make_unique<PgConnection>(m_pg);
    return *m_connection;
}

Result<bool> ChannelManager::takeLock()
{
    if (!m_lock)
        m_lock = std::make_unique<AdvisoryLock>(connection(), QString::fromLatin1(kLockName));
    return m_lock->tryLock();
}

Result<ChannelManager::Pass> ChannelManager::ensure()
{
    Pass pass;
    if (m_options.publicUrl.trimmed().isEmpty()) {
        pass.outcome = Pass::Outcome::NoPublicUrl;
        return pass;
    }
    auto notifyUrl = notifyUrlFor(m_options.publicUrl);
    if (!notifyUrl)
        return notifyUrl.error();
    if (m_options.token.isEmpty())
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("no CRM webhook token (TIERSYNC_WEBHOOK_CRM_TOKEN): the webhook endpoint "
                                        "would refuse every notification"));
    if (m_options.token.reveal().size() > kMaxTokenLength)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("the CRM webhook token is longer than Zoho's %1 characters")
                             .arg(kMaxTokenLength));
    if (m_options.lifetimeMs <= m_options.renewMarginMs || m_options.lifetimeMs > kMaxLifetimeMs
        || m_options.renewMarginMs < 0)
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("channel lifetime must be above the renewal margin and at most 7 days"));
    if (!m_client)
        return makeError(ErrorKind::Unavailable, QStringLiteral("no Zoho client"));

    auto locked = takeLock();
    if (!locked)
        return locked.error();
    if (!*locked) {
        pass.outcome = Pass::Outcome::ManagedElsewhere;
        return pass;
    }

    ChannelRepository repository(connection());
    auto rows = repository.list();
    if (!rows)
        return rows.error();
    QHash<QString, NotificationChannel> recorded;
    for (const NotificationChannel &row : std::as_const(*rows))
        recorded.insert(row.channelId, row);

    const ZohoWatchApi api(m_client, m_options.crmVersion);
    auto listed = api.listAll();
    if (!listed)
        return listed.error();
    QHash<QString, WatchChannelInfo> live;
    for (const WatchChannelInfo &channel : std::as_const(*listed))
        live.insert(channel.channelId, channel);

    const qint64 nowMs = m_options.clock();
    const QDateTime now = atMs(nowMs);
    const QDateTime expiry = atMs(nowMs + m_options.lifetimeMs);

    QList<Work> work;
    QList<int> toEnable;
    QList<int> toRenew;
    for (const EntityDefinition &entity : fedEntities(m_registry)) {
        Work item;
        item.entity = entity;
        item.subscription.channelId = channelIdFor(m_options.clientId, entity.module);
        item.subscription.events = {entity.module + QStringLiteral(".all")};
        item.subscription.expiry = expiry;
        item.subscription.token = m_options.token.reveal();
        item.subscription.notifyUrl = *notifyUrl;
        item.subscription.returnAffectedFieldValues = true;  // an update then needs no Get Records call
        item.known = recorded.contains(item.subscription.channelId);
        item.row = recorded.value(item.subscription.channelId);
        item.row.channelId = item.subscription.channelId;
        item.row.entityType = entity.name;
        item.row.module = entity.module;
        item.row.events = item.subscription.events;
        item.row.notifyUrl = *notifyUrl;
        const int index = int(work.size());
        const auto found = live.constFind(item.row.channelId);
        if (found == live.cend()) {
            if (item.known && item.row.status == ChannelStatus::Active) {
                item.row.status = item.row.expiresAt.isValid() && item.row.expiresAt <= now ? ChannelStatus::Expired
                                                                                             : ChannelStatus::Dropped;
                qCInfo(lcChannels).noquote() << "channel" << item.row.channelId << "of" << entity.module << "is"
                                             << channelStatusName(item.row.status) << "at Zoho: enabling it again";
            }
            toEnable.append(index);
        } else if (found->notifyUrl != *notifyUrl || !coversAll(found->events, entity.module)
                   || found->returnAffectedFieldValues == false  // listed without the values: replaced
                   || found->expiry.toMSecsSinceEpoch() - nowMs < m_options.renewMarginMs) {
            toRenew.append(index);
        } else {
            ++pass.kept;
            item.row.expiresAt = found->expiry;
            item.row.status = ChannelStatus::Active;
            item.row.lastError.clear();
            if (!item.row.enabledAt.isValid())
                item.row.enabledAt = now;  // enabled before it was recorded here
        }
        work.append(item);
    }

    const auto callFailed = [&](const QList<int> &indexes, const QString &what, const Error &error) {
        for (int index : indexes) {
            Work &item = work[index];
            item.row.lastError = QStringLiteral("%1 failed: %2").arg(what, error.message);
            ++pass.failed;
            pass.errors.append(item.entity.module + QStringLiteral(": ") + item.row.lastError);
        }
    };
    const auto subscriptionsOf = [&](const QList<int> &indexes) {
        QList<WatchSubscription> subscriptions;
        for (int index : indexes)
            subscriptions.append(work.at(index).subscription);
        return subscriptions;
    };
    const auto refused = [&](Work &item, const WatchItemResult &result) {
        item.row.status = ChannelStatus::Failed;
        item.row.lastError = describe(result);
        ++pass.failed;
        pass.errors.append(item.entity.module + QStringLiteral(": ") + item.row.lastError);
    };

    // Renewals first: one Zoho no longer has is enabled below.
    for (qsizetype from = 0; from < toRenew.size(); from += ZohoWatchApi::kMaxItemsPerCall) {
        const QList<int> batch = toRenew.mid(from, ZohoWatchApi::kMaxItemsPerCall);
        auto results = awaitResult(api.update(subscriptionsOf(batch), ZohoWatchApi::UpdateMode::Replace));
        if (!results) {
            callFailed(batch, QStringLiteral("renewal"), results.error());
            continue;
        }
        for (qsizetype i = 0; i < batch.size(); ++i) {
            Work &item = work[batch.at(i)];
            const WatchItemResult &result = results->at(i);
            if (result.success) {
                item.row.renewedAt = now;
                item.row.expiresAt = result.expiry.isValid() ? result.expiry : expiry;
                item.row.status = ChannelStatus::Active;
                item.row.lastError.clear();
                if (!item.row.enabledAt.isValid())
                    item.row.enabledAt = now;
                ++pass.renewed;
            } else if (result.isNotSubscribed()) {
                item.row.status = ChannelStatus::Dropped;
                qCInfo(lcChannels).noquote() << "channel" << item.row.channelId << "of" << item.entity.module
                                             << "is no longer subscribed at Zoho: enabling it again";
                toEnable.append(batch.at(i));
            } else {
                refused(item, result);
            }
        }
    }

    for (qsizetype from = 0; from < toEnable.size(); from += ZohoWatchApi::kMaxItemsPerCall) {
        const QList<int> batch = toEnable.mid(from, ZohoWatchApi::kMaxItemsPerCall);
        auto results = awaitResult(api.enable(subscriptionsOf(batch)));
        if (!results) {
            callFailed(batch, QStringLiteral("enabling"), results.error());
            continue;
        }
        for (qsizetype i = 0; i < batch.size(); ++i) {
            Work &item = work[batch.at(i)];
            const WatchItemResult &result = results->at(i);
            if (!result.success) {
                refused(item, result);
                continue;
            }
            const bool again = item.known && item.row.enabledAt.isValid();
            item.row.enabledAt = now;
            item.row.renewedAt = QDateTime();
            item.row.expiresAt = result.expiry.isValid() ? result.expiry : expiry;
            item.row.status = ChannelStatus::Active;
            item.row.lastError.clear();
            ++(again ? pass.reenabled : pass.enabled);
            qCInfo(lcChannels).noquote() << "channel" << item.row.channelId << "of" << item.entity.module
                                         << (again ? "enabled again" : "enabled") << "until"
                                         << item.row.expiresAt.toString(Qt::ISODate);
        }
    }

    // Recorded channels of modules no longer fed (or of another client id): disabled.
    QSet<QString> wanted;
    for (const Work &item : std::as_const(work))
        wanted.insert(item.row.channelId);
    QList<NotificationChannel> stale;
    for (const NotificationChannel &row : std::as_const(*rows))
        if (!wanted.contains(row.channelId) && row.status != ChannelStatus::Disabled)
            stale.append(row);
    for (qsizetype from = 0; from < stale.size(); from += ZohoWatchApi::kMaxItemsPerCall) {
        QStringList ids;
        for (qsizetype i = from; i < std::min(stale.size(), from + ZohoWatchApi::kMaxItemsPerCall); ++i)
            ids.append(stale.at(i).channelId);
        auto results = awaitResult(api.disable(ids));
        for (qsizetype i = 0; i < ids.size(); ++i) {
            NotificationChannel &row = stale[from + i];
            if (!results) {
                row.lastError = QStringLiteral("disabling failed: %1").arg(results.error().message);
                ++pass.failed;
                pass.errors.append(row.module + QStringLiteral(": ") + row.lastError);
            } else if (results->at(i).success || results->at(i).code == QLatin1String("INVALID_DATA")) {
                // INVALID_DATA: Zoho no longer had it; either way it is gone.
                row.status = ChannelStatus::Disabled;
                row.lastError.clear();
                ++pass.disabled;
            } else {
                row.lastError = describe(results->at(i));
                ++pass.failed;
                pass.errors.append(row.module + QStringLiteral(": ") + row.lastError);
            }
            row.updatedAt = now;
            if (auto saved = repository.save(row); !saved)
                return saved.error();
        }
    }

    for (Work &item : work) {
        item.row.updatedAt = now;
        if (auto saved = repository.save(item.row); !saved)
            return saved.error();
    }
    for (const QString &error : std::as_const(pass.errors))
        qCWarning(lcChannels).noquote() << error;
    return pass;
}

Result<ChannelManager::Pass> ChannelManager::disableAll()
{
    Pass pass;
    if (!m_client)
        return makeError(ErrorKind::Unavailable, QStringLiteral("no Zoho client"));
    auto locked = takeLock();
    if (!locked)
        return locked.error();
    if (!*locked) {
        pass.outcome = Pass::Outcome::ManagedElsewhere;
        return pass;
    }
    ChannelRepository repository(connection());
    auto rows = repository.list();
    if (!rows)
        return rows.error();
    QList<NotificationChannel> active;
    for (const NotificationChannel &row : std::as_const(*rows))
        if (row.status != ChannelStatus::Disabled)
            active.append(row);
    const ZohoWatchApi api(m_client, m_options.crmVersion);
    const QDateTime now = atMs(m_options.clock());
    for (qsizetype from = 0; from < active.size(); from += ZohoWatchApi::kMaxItemsPerCall) {
        QStringList ids;
        for (qsizetype i = from; i < std::min(active.size(), from + ZohoWatchApi::kMaxItemsPerCall); ++i)
            ids.append(active.at(i).channelId);
        auto results = awaitResult(api.disable(ids));
        if (!results)
            return results.error();
        for (qsizetype i = 0; i < ids.size(); ++i) {
            NotificationChannel &row = active[from + i];
            const WatchItemResult &result = results->at(i);
            if (result.success || result.code == QLatin1String("INVALID_DATA")) {
                row.status = ChannelStatus::Disabled;
                row.lastError.clear();
                ++pass.disabled;
            } else {
                row.lastError = describe(result);
                ++pass.failed;
                pass.errors.append(row.module + QStringLiteral(": ") + row.lastError);
            }
            row.updatedAt = now;
            if (auto saved = repository.save(row); !saved)
                return saved.error();
        }
    }
    return pass;
}

}  // namespace tiersync
