#include "cache/cachepage.h"

#include "cache/endpointregistry.h"
#include "common/confirmer.h"
#include "common/pageheading.h"
#include "common/pagepoller.h"
#include "console/cachingstate.h"
#include "console/serviceerror.h"
#include "itemmodels/webhookeventmodel.h"
#include "sync/entityregistry.h"

#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace tiersync::ui {

namespace {

constexpr int kKindRole = Qt::UserRole + 1;
constexpr int kNameRole = Qt::UserRole + 2;

// "1 key", "5 keys": the console ships no translations, so a %n plural would read "key(s)".
QString plural(qint64 count, const QString &one, const QString &many)
{
    return QStringLiteral("%1 %2").arg(count).arg(count == 1 ? one : many);
}

QString durationText(qint64 ms)
{
    if (ms < 1000)
        return QObject::tr("%1 ms").arg(ms);
    return QObject::tr("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
}

QString targetText(const CacheActionResult &result)
{
    switch (result.kind) {
    case CacheActionResult::Kind::WarmEntities:
        return result.target.isEmpty() ? QObject::tr("every entity type")
                                       : QObject::tr("entity type %1").arg(result.target);
    case CacheActionResult::Kind::WarmEndpoints:
        return result.target.isEmpty() ? QObject::tr("every endpoint") : QObject::tr("endpoint %1").arg(result.target);
    case CacheActionResult::Kind::InvalidateEndpoint:
        return QObject::tr("endpoint %1").arg(result.target);
    case CacheActionResult::Kind::InvalidateEntityType:
        return QObject::tr("entity type %1").arg(result.target);
    }
    return {};
}

}  // namespace

CachePage::CachePage(CacheAdminService *service, Confirmer *confirmer, QWidget *parent)
    : QWidget(parent),
      m_service(service),
      m_confirmer(confirmer),
      m_eventModel(new WebhookEventModel(this)),
      m_cachingState(new QLabel(this)),
      m_cachingDetail(new QLabel(this)),
      m_cachingSwitch(new QPushButton(tr("Turn caching off…"), this)),
      m_warmEndpoint(new QComboBox(this)),
      m_warmEndpoints(new QPushButton(tr("Warm endpoints"), this)),
      m_warmEntityType(new QComboBox(this)),
      m_warmEntities(new QPushButton(tr("Warm entities"), this)),
      m_invalidateTarget(new QComboBox(this)),
      m_countKeys(new QPushButton(tr("Count keys"), this)),
      m_invalidate(new QPushButton(tr("Delete keys…"), this)),
      m_cancel(new QPushButton(tr("Cancel"), this)),
      m_progress(new QProgressBar(this)),
      m_actionStatus(new QLabel(this)),
      m_events(new QTableView(this)),
      m_eventDetail(new QPlainTextEdit(this)),
      m_eventsStatus(new QLabel(this)),
      m_refreshEvents(new QPushButton(tr("Refresh"), this)),
      m_poller(new PagePoller(this, kRefreshIntervalMs, QStringLiteral("cacheRefreshTimer"), [this] { loadLists(); }))
{
    m_eventModel->setObjectName(QStringLiteral("webhookEventModel"));
    m_poller->setObjectName(QStringLiteral("cachePoller"));
    m_cachingState->setObjectName(QStringLiteral("cachingStateLabel"));
    m_cachingDetail->setObjectName(QStringLiteral("cachingDetailLabel"));
    m_cachingSwitch->setObjectName(QStringLiteral("cachingSwitchButton"));
    m_warmEndpoint->setObjectName(QStringLiteral("warmEndpointCombo"));
    m_warmEndpoints->setObjectName(QStringLiteral("warmEndpointsButton"));
    m_warmEntityType->setObjectName(QStringLiteral("warmEntityTypeCombo"));
    m_warmEntities->setObjectName(QStringLiteral("warmEntitiesButton"));
    m_invalidateTarget->setObjectName(QStringLiteral("invalidateTargetCombo"));
    m_countKeys->setObjectName(QStringLiteral("countKeysButton"));
    m_invalidate->setObjectName(QStringLiteral("invalidateKeysButton"));
    m_cancel->setObjectName(QStringLiteral("cancelActionButton"));
    m_progress->setObjectName(QStringLiteral("actionProgress"));
    m_actionStatus->setObjectName(QStringLiteral("actionStatus"));
    m_events->setObjectName(QStringLiteral("webhookEvents"));
    m_eventDetail->setObjectName(QStringLiteral("webhookEventDetail"));
    m_eventsStatus->setObjectName(QStringLiteral("webhookEventsStatus"));
    m_refreshEvents->setObjectName(QStringLiteral("refreshEventsButton"));

    // Both registries are compiled in: listing them is no I/O.
    QStringList endpoints;
    QStringList entityTypes;
    if (auto registry = EndpointRegistry::builtIn())
        endpoints = registry->names();
    else
        m_actionStatus->setText(registry.error().message);
    if (auto registry = EntityRegistry::builtIn())
        entityTypes = registry->names();
    else
        m_actionStatus->setText(registry.error().message);
    m_warmEndpoint->addItem(tr("All endpoints"), QString());
    for (const QString &name : std::as_const(endpoints))
        m_warmEndpoint->addItem(name, name);
    m_warmEntityType->addItem(tr("All entity types"), QString());
    for (const QString &name : std::as_const(entityTypes))
        m_warmEntityType->addItem(name, name);
    for (const QString &name : std::as_const(endpoints)) {
        m_invalidateTarget->addItem(tr("Endpoint: %1").arg(name));
        m_invalidateTarget->setItemData(m_invalidateTarget->count() - 1,
                                        int(CacheActionResult::Kind::InvalidateEndpoint), kKindRole);
        m_invalidateTarget->setItemData(m_invalidateTarget->count() - 1, name, kNameRole);
    }
    for (const QString &name : std::as_const(entityTypes)) {
        m_invalidateTarget->addItem(tr("Entity type: %1").arg(name));
        m_invalidateTarget->setItemData(m_invalidateTarget->count() - 1,
                                        int(CacheActionResult::Kind::InvalidateEntityType), kKindRole);
        m_invalidateTarget->setItemData(m_invalidateTarget->count() - 1, name, kNameRole);
    }

    QFont stateFont = m_cachingState->font();
    stateFont.setBold(true);
    stateFont.setPointSizeF(stateFont.pointSizeF() * 1.2);
    m_cachingState->setFont(stateFont);
    m_cachingState->setText(tr("Caching: reading the switch…"));
    m_cachingDetail->setWordWrap(true);
    m_cachingSwitch->setEnabled(false);
    m_cancel->setEnabled(false);
    m_warmEndpoints->setToolTip(tr("Copy fresh endpoint snapshots from PostgreSQL into Redis, with the TTL the "
                                   "read path would give them."));
    m_warmEntities->setToolTip(tr("Copy entity states (content hashes) from PostgreSQL into Redis."));
    m_countKeys->setToolTip(tr("Dry run: count the keys that would be deleted. Nothing is removed."));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("Idle"));
    m_actionStatus->setWordWrap(true);
    m_actionStatus->setText(tr("Warming copies what PostgreSQL holds into Redis, so the next reads are hits; "
                               "invalidating deletes keys from Redis (counted first), so the next reads refresh "
                               "them."));
    m_eventsStatus->setWordWrap(true);

    m_events->setModel(m_eventModel);
    m_events->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_events->setSelectionMode(QAbstractItemView::SingleSelection);
    m_events->setAlternatingRowColors(true);
    m_events->setWordWrap(false);
    m_events->verticalHeader()->hide();
    m_events->horizontalHeader()->setObjectName(QStringLiteral("webhookEventsHeader"));
    m_events->horizontalHeader()->setStretchLastSection(true);
    m_events->setColumnWidth(WebhookEventModel::ReceivedColumn, 150);
    m_events->setColumnWidth(WebhookEventModel::SourceColumn, 70);
    m_events->setColumnWidth(WebhookEventModel::EntityTypeColumn, 100);
    m_events->setColumnWidth(WebhookEventModel::EntityIdColumn, 170);
    m_events->setColumnWidth(WebhookEventModel::OutcomeColumn, 90);
    m_events->setColumnWidth(WebhookEventModel::InvalidatedColumn, 130);
    m_eventDetail->setReadOnly(true);
    m_eventDetail->setPlaceholderText(tr("Select an event to see the keys it invalidated."));

    // The switch.
    auto *switchBox = new QGroupBox(tr("Caching switch"), this);
    switchBox->setObjectName(QStringLiteral("cachingSwitchBox"));
    auto *switchLayout = new QHBoxLayout(switchBox);
    auto *switchText = new QVBoxLayout;
    switchText->addWidget(m_cachingState);
    switchText->addWidget(m_cachingDetail);
    switchLayout->addLayout(switchText, 1);
    switchLayout->addWidget(m_cachingSwitch, 0, Qt::AlignVCenter);

    // Warming.
    auto *warmBox = new QGroupBox(tr("Warm the cache (PostgreSQL → Redis)"), this);
    warmBox->setObjectName(QStringLiteral("warmBox"));
    auto *warmLayout = new QVBoxLayout(warmBox);
    auto *warmEndpointRow = new QHBoxLayout;
    warmEndpointRow->addWidget(m_warmEndpoint, 1);
    warmEndpointRow->addWidget(m_warmEndpoints);
    auto *warmEntityRow = new QHBoxLayout;
    warmEntityRow->addWidget(m_warmEntityType, 1);
    warmEntityRow->addWidget(m_warmEntities);
    warmLayout->addLayout(warmEndpointRow);
    warmLayout->addLayout(warmEntityRow);

    // Invalidation.
    auto *invalidateBox = new QGroupBox(tr("Invalidate (delete from Redis)"), this);
    invalidateBox->setObjectName(QStringLiteral("invalidateCacheBox"));
    auto *invalidateLayout = new QVBoxLayout(invalidateBox);
    invalidateLayout->addWidget(m_invalidateTarget);
    auto *invalidateRow = new QHBoxLayout;
    invalidateRow->addWidget(m_countKeys);
    invalidateRow->addWidget(m_invalidate);
    invalidateRow->addStretch(1);
    invalidateLayout->addLayout(invalidateRow);

    auto *actionBoxes = new QHBoxLayout;
    actionBoxes->addWidget(warmBox, 1);
    actionBoxes->addWidget(invalidateBox, 1);
    auto *progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_cancel);

    // Webhook events.
    auto *eventsBox = new QGroupBox(tr("Webhook events"), this);
    eventsBox->setObjectName(QStringLiteral("webhookEventsBox"));
    auto *eventsLayout = new QVBoxLayout(eventsBox);
    auto *eventsHeader = new QHBoxLayout;
    eventsHeader->addWidget(m_eventsStatus, 1);
    eventsHeader->addWidget(m_refreshEvents);
    auto *eventsSplit = new QSplitter(Qt::Horizontal, eventsBox);
    eventsSplit->setObjectName(QStringLiteral("webhookEventsSplit"));
    eventsSplit->addWidget(m_events);
    eventsSplit->addWidget(m_eventDetail);
    eventsSplit->setStretchFactor(0, 3);
    eventsSplit->setStretchFactor(1, 1);
    eventsLayout->addLayout(eventsHeader);
    eventsLayout->addWidget(eventsSplit, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(pageHeading(tr("Cache"), QStringLiteral("cacheTitle"), this));
    layout->addWidget(switchBox);
    layout->addLayout(actionBoxes);
    layout->addLayout(progressRow);
    layout->addWidget(m_actionStatus);
    layout->addWidget(eventsBox, 1);

    connect(m_warmEndpoints, &QPushButton::clicked, this, &CachePage::warmEndpoints);
    connect(m_warmEntities, &QPushButton::clicked, this, &CachePage::warmEntities);
    connect(m_cancel, &QPushButton::clicked, this, &CachePage::cancelAction);
    connect(m_countKeys, &QPushButton::clicked, this, &CachePage::countInvalidation);
    connect(m_invalidate, &QPushButton::clicked, this, &CachePage::confirmInvalidation);
    // A count is only good for the target it was made for.
    connect(m_invalidateTarget, &QComboBox::currentIndexChanged, this, &CachePage::resetCount);
    connect(m_cachingSwitch, &QPushButton::clicked, this, &CachePage::flipCaching);
    connect(m_refreshEvents, &QPushButton::clicked, this, &CachePage::refresh);
    connect(m_events->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &CachePage::showEventDetail);
    connect(m_eventModel, &QAbstractItemModel::dataChanged, this, &CachePage::showEventDetail);
    connect(m_eventModel, &QAbstractItemModel::modelReset, this, &CachePage::showEventDetail);

    if (m_service) {
        connect(m_service, &CacheAdminService::actionProgress, this, &CachePage::onProgress);
        connect(m_service, &CacheAdminService::actionFinished, this, &CachePage::onActionFinished);
        connect(m_service, &CacheAdminService::cachingLoaded, this, &CachePage::onCaching);
        connect(m_service, &CacheAdminService::webhookEventsLoaded, this, &CachePage::onEvents);
        connect(m_service, &CacheAdminService::failed, this, &CachePage::onFailed);
    } else {
        setEnabled(false);
    }
    updateButtons();
}

// An action still going when the console closes is the service's to cancel (it does, at stop()).
CachePage::~CachePage() = default;

void CachePage::setProfile(const ConnectionProfile &profile)
{
    if (!m_service)
        return;
    m_haveProfile = true;
    m_cachingKnown = false;
    m_service->setProfile(profile);
    resetCount();
    updateButtons();
    m_poller->start();
}

void CachePage::refresh()
{
    m_poller->poll();
}

void CachePage::loadLists()
{
    // The switch is read back by the flip in flight; a second read meanwhile would race it.
    if (!m_cachingPending)
        m_service->loadCaching();
    // Answered after the switch (the service answers its loads in order): the poll's end.
    m_service->loadWebhookEvents(kWebhookEventLimit);
}

bool CachePage::selectWarmEndpoint(const QString &endpoint)
{
    const int index = m_warmEndpoint->findData(endpoint);
    if (index < 0)
        return false;
    m_warmEndpoint->setCurrentIndex(index);
    return true;
}

bool CachePage::selectWarmEntityType(const QString &entityType)
{
    const int index = m_warmEntityType->findData(entityType);
    if (index < 0)
        return false;
    m_warmEntityType->setCurrentIndex(index);
    return true;
}

bool CachePage::selectInvalidationTarget(CacheActionResult::Kind kind, const QString &name)
{
    for (int i = 0; i < m_invalidateTarget->count(); ++i) {
        if (m_invalidateTarget->itemData(i, kKindRole).toInt() == int(kind)
            && m_invalidateTarget->itemData(i, kNameRole).toString() == name) {
            m_invalidateTarget->setCurrentIndex(i);
            return true;
        }
    }
    return false;
}

void CachePage::updateButtons()
{
    const bool ready = m_haveProfile && !m_busy;
    m_warmEndpoints->setEnabled(ready);
    m_warmEntities->setEnabled(ready);
    m_warmEndpoint->setEnabled(!m_busy);
    m_warmEntityType->setEnabled(!m_busy);
    m_invalidateTarget->setEnabled(!m_busy);
    m_countKeys->setEnabled(ready && m_invalidateTarget->count() > 0);
    const bool counted = m_countedKeys > 0 && m_countedTarget == m_invalidateTarget->currentIndex();
    m_invalidate->setEnabled(ready && counted);
    m_invalidate->setText(counted ? tr("Delete %1…").arg(plural(m_countedKeys, tr("key"), tr("keys"))) : tr("Delete keys…"));
    m_cachingSwitch->setEnabled(m_haveProfile && m_cachingKnown && !m_cachingPending);
}

void CachePage::resetCount()
{
    m_countedKeys = -1;
    m_countedTarget = -1;
    updateButtons();
}

void CachePage::startAction(const CacheActionResult &action, const QString &status, bool cancellable)
{
    m_busy = true;
    m_action = action;
    m_progress->setRange(0, 0);  // busy until the service knows the total
    m_progress->setValue(0);
    m_progress->setFormat(tr("Working…"));
    m_cancel->setEnabled(cancellable);
    m_actionStatus->setText(status);
    updateButtons();
    switch (action.kind) {
    case CacheActionResult::Kind::WarmEntities:
        m_requestId = m_service->warmEntities(action.target);
        break;
    case CacheActionResult::Kind::WarmEndpoints:
        m_requestId = m_service->warmEndpoints(action.target);
        break;
    case CacheActionResult::Kind::InvalidateEndpoint:
        m_requestId = m_service->invalidateEndpoint(action.target, action.dryRun);
        break;
    case CacheActionResult::Kind::InvalidateEntityType:
        m_requestId = m_service->invalidateEntityType(action.target, action.dryRun);
        break;
    }
    if (m_requestId == 0)
        onActionFailed(tr("The console is shutting down."));
}

void CachePage::warmEndpoints()
{
    warm(CacheActionResult::Kind::WarmEndpoints, m_warmEndpoint->currentData().toString());
}

void CachePage::warmEntities()
{
    warm(CacheActionResult::Kind::WarmEntities, m_warmEntityType->currentData().toString());
}

void CachePage::warm(CacheActionResult::Kind kind, const QString &target)
{
    if (m_busy || !m_haveProfile)
        return;
    CacheActionResult action;
    action.kind = kind;
    action.target = target;
    startAction(action, tr("Warming %1 from PostgreSQL…").arg(targetText(action)), true);
}

void CachePage::cancelAction()
{
    if (!m_busy)
        return;
    m_service->cancel(m_requestId);
    m_cancel->setEnabled(false);
    m_actionStatus->setText(tr("Cancelling: warming stops after the chunk in progress."));
}

void CachePage::requestInvalidation(bool dryRun)
{
    const int index = m_invalidateTarget->currentIndex();
    if (index < 0)
        return;
    CacheActionResult action;
    action.kind = CacheActionResult::Kind(m_invalidateTarget->itemData(index, kKindRole).toInt());
    action.target = m_invalidateTarget->itemData(index, kNameRole).toString();
    action.dryRun = dryRun;
    const QString what = targetText(action);
    startAction(action,
                dryRun ? tr("Counting the keys of %1 (dry run)…").arg(what) : tr("Deleting the keys of %1…").arg(what),
                false);
}

void CachePage::countInvalidation()
{
    if (m_busy || !m_haveProfile)
        return;
    resetCount();
    requestInvalidation(true);
}

void CachePage::confirmInvalidation()
{
    const int index = m_invalidateTarget->currentIndex();
    if (m_busy || m_countedKeys <= 0 || m_countedTarget != index)
        return;
    const qint64 keys = m_countedKeys;
    const auto kind = CacheActionResult::Kind(m_invalidateTarget->itemData(index, kKindRole).toInt());
    const QString name = m_invalidateTarget->itemData(index, kNameRole).toString();
    const QString target = kind == CacheActionResult::Kind::InvalidateEndpoint ? tr("endpoint %1").arg(name)
                                                                               : tr("entity type %1").arg(name);
    m_confirmer->ask(this, tr("Invalidate"),
                     tr("Delete the %1 of %2 from Redis?\n\nThey are removed with SCAN and UNLINK in batches; keys of "
                        "it created meanwhile go too. Nothing is lost: the next read of an endpoint is answered "
                        "from PostgreSQL or Zoho, and the next sync rebuilds entity states.")
                         .arg(plural(keys, tr("key"), tr("keys")), target),
                     tr("Delete %1").arg(plural(keys, tr("key"), tr("keys"))), [this, index](bool confirmed) {
                         if (!confirmed) {
                             m_actionStatus->setText(tr("Invalidation cancelled: nothing was deleted."));
                             return;
                         }
                         if (m_busy || m_invalidateTarget->currentIndex() != index)
                             return;
                         resetCount();
                         requestInvalidation(false);
                     });
}

void CachePage::onProgress(quint64 requestId, qint64 done, qint64 total)
{
    if (requestId != m_requestId || !m_busy)
        return;
    if (total > 0) {
        // QProgressBar counts in int; scale large totals.
        const qint64 top = std::max(total, done);
        const qint64 scale = top > std::numeric_limits<int>::max() ? top / std::numeric_limits<int>::max() + 1 : 1;
        m_progress->setFormat(tr("%1 of %2 rows").arg(done).arg(total));
        m_progress->setRange(0, int(top / scale));
        m_progress->setValue(int(done / scale));
    } else {
        m_progress->setRange(0, 0);
        m_progress->setFormat(tr("%1 keys so far").arg(done));
        m_actionStatus->setText(tr("Working… %1 keys so far.").arg(done));
    }
}

void CachePage::onActionFinished(const CacheActionResult &result)
{
    if (result.requestId != m_requestId || !m_busy)
        return;
    m_busy = false;
    m_cancel->setEnabled(false);
    const bool warm = result.isWarm();
    const qint64 shown = warm ? result.rows : result.keys;
    m_progress->setRange(0, int(std::clamp<qint64>(shown, 1, std::numeric_limits<int>::max())));
    m_progress->setValue(result.cancelled ? 0 : m_progress->maximum());
    QString text;
    if (result.cancelled) {
        m_progress->setFormat(tr("Cancelled"));
        text = (warm ? tr("Warming %1 did not finish. %2") : tr("Invalidating %1 did not finish. %2"))
                   .arg(targetText(result),
                        warm ? tr("Cancelled after %1 rows; the keys written so far stay.").arg(result.rows)
                             : tr("Cancelled before it began; nothing was removed."));
    } else if (warm) {
        m_progress->setFormat(tr("Done: %1 keys written").arg(result.keys));
        text = tr("Warmed %1: %2 keys written to Redis from %3 rows in %4.")
                   .arg(targetText(result))
                   .arg(result.keys)
                   .arg(result.rows)
                   .arg(durationText(result.durationMs));
        if (result.skipped > 0)
            text += tr(" %1 snapshots were skipped: past their freshness window, the read path refreshes them "
                       "from Zoho.")
                        .arg(result.skipped);
    } else if (result.dryRun) {
        m_progress->setFormat(tr("Dry run: %1 keys").arg(result.keys));
        text = result.keys > 0 ? tr("%1 of %2 in Redis (dry run: nothing was deleted). Press Delete to remove them.")
                                     .arg(plural(result.keys, tr("key"), tr("keys")), targetText(result))
                               : tr("No keys of %1 are in Redis (dry run): nothing to delete.").arg(targetText(result));
        m_countedKeys = result.keys;
        m_countedTarget = m_invalidateTarget->currentIndex();
    } else {
        m_progress->setFormat(tr("Deleted %1 keys").arg(result.keys));
        text = tr("Deleted %1 of %2 from Redis.").arg(plural(result.keys, tr("key"), tr("keys")), targetText(result));
    }
    m_actionStatus->setText(text);
    updateButtons();
}

void CachePage::onFailed(CacheAdminService::Request request, quint64 action, const ServiceError &error)
{
    switch (request) {
    case CacheAdminService::Request::Warm:
    case CacheAdminService::Request::Invalidate:
        if (action == m_requestId && m_busy)
            onActionFailed(error.describe());
        break;
    case CacheAdminService::Request::LoadCaching:
        onCachingFailed(error.describe());
        break;
    case CacheAdminService::Request::SetCaching:
        onCachingFailed(tr("The switch was not changed. %1").arg(error.describe()));
        break;
    case CacheAdminService::Request::LoadWebhookEvents:
        onEventsFailed(error.describe());
        break;
    }
}

void CachePage::onActionFailed(const QString &reason)
{
    m_busy = false;
    m_cancel->setEnabled(false);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("Failed"));
    m_actionStatus->setText((m_action.isWarm() ? tr("Warming %1 did not finish. %2") : tr("Invalidating %1 did not finish. %2"))
                                .arg(targetText(m_action), reason));
    updateButtons();
}

void CachePage::flipCaching()
{
    if (!m_cachingKnown || m_cachingPending || !m_haveProfile)
        return;
    const bool turnOn = !m_cachingEnabled;
    const QString text =
        turnOn ? tr("Turn caching back on for every engine?\n\nWithin about a second every running engine (servers, "
                    "the CLI, this console) reads from Redis and PostgreSQL again and stores what it fetches from "
                    "Zoho there. Keys written before caching went off are used only while still within their TTL.")
               : tr("Turn caching off for every engine?\n\nThis is the rollback switch. Within about a second every "
                    "running engine (servers, the CLI, this console) stops using the cache: every read goes to Zoho, "
                    "nothing is read from or written to Redis, and no stale copy is served if Zoho fails — the "
                    "behaviour before the cache existed. Expect slower answers and more Zoho calls against the rate "
                    "limit.\n\nTurn it back on here or with `tiersync caching on`.");
    m_confirmer->ask(this, turnOn ? tr("Turn caching on") : tr("Turn caching off"), text,
                     turnOn ? tr("Turn caching on") : tr("Turn caching off"), [this, turnOn](bool confirmed) {
                         if (!confirmed || m_cachingPending)
                             return;
                         m_cachingPending = true;
                         m_cachingDetail->setText(turnOn ? tr("Turning caching on…") : tr("Turning caching off…"));
                         updateButtons();
                         m_service->setCachingEnabled(turnOn);
                     });
}

void CachePage::onCaching(const CachingState &state)
{
    m_cachingPending = false;
    m_cachingKnown = true;
    m_cachingEnabled = state.enabled;
    if (state.enabled) {
        m_cachingState->setText(tr("Caching is ON"));
        m_cachingState->setStyleSheet(QStringLiteral("color: #2e7d32;"));
        m_cachingSwitch->setText(tr("Turn caching off…"));
    } else {
        m_cachingState->setText(tr("Caching is OFF — every read goes to Zoho"));
        m_cachingState->setStyleSheet(QStringLiteral("color: #c62828;"));
        m_cachingSwitch->setText(tr("Turn caching on…"));
    }
    QString detail = state.enabled ? tr("Reads are answered from Redis, then PostgreSQL, then Zoho.")
                                   : tr("Nothing is read from or written to Redis (the rollback).");
    if (state.updatedAt.isValid())
        detail += QLatin1Char(' ') + tr("Set by %1 at %2.")
                                         .arg(state.updatedBy.isEmpty() ? tr("unknown") : state.updatedBy,
                                              state.updatedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    m_cachingDetail->setText(detail);
    updateButtons();
}

void CachePage::onCachingFailed(const QString &message)
{
    m_cachingPending = false;
    // What was shown before may no longer hold: say the state is unknown, and offer no
    // flip until it has been read again (the refresh timer keeps trying).
    m_cachingKnown = false;
    m_cachingState->setText(tr("Caching: state unknown"));
    m_cachingState->setStyleSheet(QStringLiteral("color: #757575;"));
    m_cachingDetail->setText(tr("Could not read or change the caching switch. %1").arg(message));
    updateButtons();
}

void CachePage::onEvents(const QList<WebhookEventRepository::Event> &events)
{
    m_poller->finished();
    const QModelIndex current = m_events->currentIndex();
    const QString selected = current.isValid() ? current.data(WebhookEventModel::IdempotencyKeyRole).toString()
                                               : QString();
    m_eventModel->setEvents(events);
    if (!selected.isEmpty()) {
        const int row = m_eventModel->rowOfEvent(selected);
        if (row >= 0 && m_events->currentIndex().row() != row)
            m_events->selectRow(row);
    }
    m_eventsStatus->setText(events.isEmpty() ? tr("No webhook deliveries yet.")
                                             : tr("%1, newest first.").arg(plural(events.size(), tr("delivery"), tr("deliveries"))));
}

void CachePage::onEventsFailed(const QString &message)
{
    m_poller->finished();
    m_eventsStatus->setText(tr("Could not load the webhook events. %1").arg(message));
}

void CachePage::showEventDetail()
{
    const QModelIndex current = m_events->currentIndex();
    if (!current.isValid()) {
        m_eventDetail->clear();
        return;
    }
    const WebhookEventRepository::Event &event = m_eventModel->eventAt(current.row());
    QStringList lines;
    const QString outcome = m_eventModel->index(current.row(), WebhookEventModel::OutcomeColumn).data().toString();
    lines << tr("%1 %2 %3 — %4").arg(event.source, event.entityType, event.entityId, outcome);
    lines << tr("Received: %1").arg(event.receivedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    lines << tr("Idempotency key: %1").arg(event.idempotencyKey);
    if (!event.error.isEmpty())
        lines << tr("Error: %1").arg(event.error);
    lines << QString();
    if (event.invalidatedKeys.isEmpty()) {
        lines << tr("No keys invalidated.");
    } else {
        lines << tr("%1 invalidated:").arg(plural(event.invalidatedKeys.size(), tr("key"), tr("keys")));
        lines += event.invalidatedKeys;
    }
    m_eventDetail->setPlainText(lines.join(QLatin1Char('\n')));
}

}  // namespace tiersync::ui
