#pragma once

#include "core/result.h"
#include "zoho/zohocallpurpose.h"
#include "zoho/zohowatch.h"

#include <QFuture>
#include <QList>
#include <QString>
#include <QStringList>

namespace tiersync {

class ZohoClient;
struct ZohoRequest;

// Zoho CRM's notification channels (`/crm/{v}/actions/watch`) on top of ZohoClient: every
// call is a CRM call spending the organisation's budget (one credit), made for `purpose`
// (default Sync: channel upkeep is maintenance, never ahead of a student's read). A
// cheap value; thread-safe. listAll() blocks: call it on a worker thread.
class ZohoWatchApi final {
public:
    static constexpr int kMaxItemsPerCall = 50;   // enable, update, disable
    static constexpr int kPerPage = 200;          // list
    static constexpr int kMaxListPages = 50;      // 10,000 entries: far past Zoho's 500 channels

    enum class UpdateMode {
        Replace,  // PUT: the whole channel (expiry, events, URL, token) as given
        Patch,    // PATCH: only the keys given change
    };

    explicit ZohoWatchApi(ZohoClient *client, QString crmVersion = QStringLiteral("v2"),
                          ZohoCallPurpose purpose = ZohoCallPurpose::Sync);

    // POST: 1 … 50 channels; one result per subscription, in order (per-item errors are
    // results, not errors: the call's error is for the call as a whole).
    [[nodiscard]] QFuture<Result<QList<WatchItemResult>>> enable(const QList<WatchSubscription> &subscriptions) const;
    // PUT / PATCH: renews or changes 1 … 50 channels. A channel Zoho no longer has comes
    // back as a result with isNotSubscribed().
    [[nodiscard]] QFuture<Result<QList<WatchItemResult>>> update(const QList<WatchSubscription> &subscriptions,
                                                                 UpdateMode mode = UpdateMode::Replace) const;
    // GET one page (1-based).
    [[nodiscard]] QFuture<Result<WatchListPage>> listPage(int page) const;
    // Every page of the list (204 → none); fails past kMaxListPages.
    [[nodiscard]] Result<QList<WatchChannelInfo>> listAll() const;
    // DELETE ?channel_ids=a,b: 1 … 50 channels; one result per channel and module.
    [[nodiscard]] QFuture<Result<QList<WatchItemResult>>> disable(const QStringList &channelIds) const;

private:
    [[nodiscard]] QString path() const;
    [[nodiscard]] ZohoRequest request(QByteArray method) const;
    [[nodiscard]] QFuture<Result<QList<WatchItemResult>>> subscribe(QByteArray method,
                                                                    const QList<WatchSubscription> &subscriptions) const;

    ZohoClient *m_client;
    QString m_crmVersion;
    ZohoCallPurpose m_purpose;
};

}  // namespace tiersync
