#pragma once

#include "console/cacheactionresult.h"
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
class QTimer;

namespace tiersync {
class CacheAdminWorker;
class WebhookEventModel;
struct CachingState;
}  // namespace tiersync

namespace tiersync::ui {

class Confirmer;

// Cache maintenance. Warm endpoint keys (from the snapshots) or entity states (from the
// entity rows), all or one, with a progress bar and Cancel; invalidate an endpoint or
// an entity type, counted first and deleted only after a confirmation naming the
// count; the caching switch (the rollback: off sends every read to Zoho), confirmed
// with an explanation; and the webhook deliveries with their outcomes and the keys
// they invalidated. Warming and invalidating run on the actions worker (blocked while
// they run); the switch and the events load on the lists worker, every few seconds.
// Either worker may be null (tests of other pages): that part then stays idle.
class CachePage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CachePage)

public:
    static constexpr int kRefreshIntervalMs = 5000;
    static constexpr int kWebhookEventLimit = 200;

    CachePage(CacheAdminWorker *actions, CacheAdminWorker *lists, Confirmer *confirmer, QWidget *parent = nullptr);
    ~CachePage() override;

    void setProfile(const tiersync::ConnectionProfile &profile);
    // Reloads the switch state and the webhook events (also done on a timer).
    void refresh();
    // Picks what the next warm / invalidation acts on; empty name: all (warming only).
    // False for a name the registries do not know.
    bool selectWarmEndpoint(const QString &endpoint);
    bool selectWarmEntityType(const QString &entityType);
    bool selectInvalidationTarget(tiersync::CacheActionResult::Kind kind, const QString &name);

    [[nodiscard]] WebhookEventModel *webhookEventModel() const { return m_eventModel; }

Q_SIGNALS:
    void profileChanged(const tiersync::ConnectionProfile &profile);
    void warmEntitiesRequested(quint64 requestId, const QString &entityType);
    void warmEndpointsRequested(quint64 requestId, const QString &endpoint);
    void invalidateEndpointRequested(quint64 requestId, const QString &endpoint, bool dryRun);
    void invalidateEntityTypeRequested(quint64 requestId, const QString &entityType, bool dryRun);
    void cachingRequested();
    void setCachingRequested(bool enabled);
    void webhookEventsRequested(int limit);

private:
    void warmEndpoints();
    void warmEntities();
    void cancelAction();
    void countInvalidation();
    void confirmInvalidation();
    void requestInvalidation(bool dryRun);
    void flipCaching();
    void onProgress(quint64 requestId, qint64 done, qint64 total);
    void onActionFinished(const tiersync::CacheActionResult &result);
    void onCaching(const tiersync::CachingState &state);
    void onCachingFailed(const QString &message);
    void onEvents(const QList<tiersync::WebhookEventRepository::Event> &events);
    void onEventsFailed(const QString &message);
    void showEventDetail();
    void startAction(const QString &status, bool cancellable);
    void updateButtons();
    void resetCount();

    CacheAdminWorker *m_actions;
    CacheAdminWorker *m_lists;
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
    QTimer *m_refreshTimer;
    quint64 m_requestId = 0;
    bool m_busy = false;
    bool m_haveProfile = false;
    bool m_cachingKnown = false;
    bool m_cachingEnabled = true;
    bool m_cachingPending = false;
    bool m_loadingEvents = false;
    qint64 m_countedKeys = -1;   // the last dry run's count, for the current target only
    int m_countedTarget = -1;    // index in m_invalidateTarget the count is for
};

}  // namespace tiersync::ui
