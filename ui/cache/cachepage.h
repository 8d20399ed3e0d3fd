#pragma once

#include "console/cacheactionresult.h"
#include "console/cacheadminservice.h"
#include "core/connectionprofile.h"
#include "store/webhookeventrepository.h"

#include <QList>
#include <QString>
#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableView;

namespace tiersync {
class WebhookEventModel;
}  // namespace tiersync

namespace tiersync::ui {

class Confirmer;
class PagePoller;

// Cache maintenance. Warm endpoint keys (from the snapshots) or entity states (from the
// entity rows), all or one, with a progress bar and Cancel; invalidate an endpoint or
// an entity type, counted first and deleted only after a confirmation naming the
// count; the caching switch (the rollback: off sends every read to Zoho), confirmed
// with an explanation; and the webhook deliveries with their outcomes and the keys
// they invalidated. Everything goes through a CacheAdminService: the page calls its
// methods and shows its answers; the switch and the events are asked for again every few
// seconds while the page is visible (PagePoller). A window built without the service
// (tests of other pages) shows the page disabled.
class CachePage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CachePage)

public:
    static constexpr int kRefreshIntervalMs = 5000;
    static constexpr int kWebhookEventLimit = 200;

    CachePage(CacheAdminService *service, Confirmer *confirmer, QWidget *parent = nullptr);
    ~CachePage() override;

    void setProfile(const tiersync::ConnectionProfile &profile);
    // Reloads the switch state and the webhook events (also done on a timer while the page
    // is visible), unless a load is still on its way.
    void refresh();
    // Picks what the next warm / invalidation acts on; empty name: all (warming only).
    // False for a name the registries do not know.
    bool selectWarmEndpoint(const QString &endpoint);
    bool selectWarmEntityType(const QString &entityType);
    bool selectInvalidationTarget(tiersync::CacheActionResult::Kind kind, const QString &name);

    [[nodiscard]] WebhookEventModel *webhookEventModel() const { return m_eventModel; }

private:
    void warmEndpoints();
    void warmEntities();
    void warm(tiersync::CacheActionResult::Kind kind, const QString &target);
    void cancelAction();
    void countInvalidation();
    void confirmInvalidation();
    void requestInvalidation(bool dryRun);
    void flipCaching();
    // One poll: the switch (unless a flip is on its way) and the webhook events.
    void loadLists();
    void onProgress(quint64 requestId, qint64 done, qint64 total);
    void onActionFinished(const tiersync::CacheActionResult &result);
    void onFailed(tiersync::CacheAdminService::Request request, quint64 action, const tiersync::ServiceError &error);
    void onActionFailed(const QString &reason);
    void onCaching(const tiersync::CachingState &state);
    void onCachingFailed(const QString &message);
    void onEvents(const QList<tiersync::WebhookEventRepository::Event> &events);
    void onEventsFailed(const QString &message);
    void showEventDetail();
    // Starts the action on the service and shows it running.
    void startAction(const CacheActionResult &action, const QString &status, bool cancellable);
    void updateButtons();
    void resetCount();

    CacheAdminService *m_service;
    Confirmer *m_confirmer;
    WebhookEventModel *m_eventModel;
    QLabel *m_cachingState;
    QLabel *m_cachingDetail;
    QPushButton *m_cachingSwitch;
    QComboBox *m_warmEndpoint;
    QPushButton *m_warmEndpoints;
    QComboBox *m_warmEntityType;
    QPushButton *m_warmEntities;
    QComboBox *m_invalidateTarget;
    QPushButton *m_countKeys;
    QPushButton *m_invalidate;
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_actionStatus;
    QTableView *m_events;
    QPlainTextEdit *m_eventDetail;
    QLabel *m_eventsStatus;
    QPushButton *m_refreshEvents;
    PagePoller *m_poller;  // the switch and the events, while the page is visible
    CacheActionResult m_action;  // the action running (or the last one): what it acts on
    quint64 m_requestId = 0;
    bool m_busy = false;
    bool m_haveProfile = false;
    bool m_cachingKnown = false;
    bool m_cachingEnabled = true;
    bool m_cachingPending = false;
    qint64 m_countedKeys = -1;   // the last dry run's count, for the current target only
    int m_countedTarget = -1;    // index in m_invalidateTarget the count is for
};

}  // namespace tiersync::ui
