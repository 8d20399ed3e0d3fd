#include "keys/keyspage.h"

#include "common/confirmer.h"
#include "console/keydetails.h"
#include "console/keypattern.h"
#include "itemmodels/keylistmodel.h"
#include "itemmodels/keytreemodel.h"
#include "keys/valueviewer.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace tiersync::ui {

namespace {

QPushButton *button(const QString &text, const QString &name, QWidget *parent)
{
    auto *b = new QPushButton(text, parent);
    b->setObjectName(name);
    return b;
}

QString count(qint64 n)
{
    return QLocale().toString(n);
}

}  // namespace

KeysPage::KeysPage(KeyBrowserService *service, Confirmer *confirmer, QWidget *parent)
    : QWidget(parent),
      m_service(service),
      m_confirmer(confirmer),
      m_listModel(new KeyListModel(this)),
      m_treeModel(new KeyTreeModel(this)),
      m_filter(new QLineEdit(this)),
      m_refresh(button(tr("Refresh"), QStringLiteral("refreshButton"), this)),
      m_loadAllButton(button(tr("Load all"), QStringLiteral("loadAllButton"), this)),
      m_loaded(new QLabel(this)),
      m_views(new QTabWidget(this)),
      m_list(new QTableView(this)),
      m_tree(new QTreeView(this)),
      m_delete(button(tr("Delete selected…"), QStringLiteral("deleteButton"), this)),
      m_pattern(new QLineEdit(this)),
      m_dryRun(button(tr("Count matches"), QStringLiteral("dryRunButton"), this)),
      m_invalidate(button(tr("Delete matches…"), QStringLiteral("invalidateButton"), this)),
      m_cancel(button(tr("Cancel"), QStringLiteral("cancelButton"), this)),
      m_status(new QLabel(this)),
      m_viewer(new ValueViewer(this))
{
    m_listModel->setObjectName(QStringLiteral("keyListModel"));
    m_treeModel->setObjectName(QStringLiteral("keyTreeModel"));
    m_filter->setObjectName(QStringLiteral("keyFilter"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setPlaceholderText(tr("Filter: a key prefix, or a pattern with * (e.g. tiersync:v1:ep:*:42)"));
    m_loaded->setObjectName(QStringLiteral("loadedLabel"));
    m_views->setObjectName(QStringLiteral("keyViews"));
    m_list->setObjectName(QStringLiteral("keyList"));
    m_tree->setObjectName(QStringLiteral("keyTree"));
    m_pattern->setObjectName(QStringLiteral("invalidatePattern"));
    m_pattern->setPlaceholderText(tr("Pattern to invalidate, e.g. tiersync:v1:ep:grades:*"));
    m_status->setObjectName(QStringLiteral("keysStatus"));
    m_status->setWordWrap(true);
    m_viewer->setObjectName(QStringLiteral("valueViewer"));
    m_invalidate->setEnabled(false);
    m_cancel->setEnabled(false);
    m_delete->setEnabled(false);

    // A flat table, not a QListView: a list view lays out every row again on each
    // insertion, which stalls on hundreds of thousands of keys; a table does not.
    m_list->setModel(m_listModel);
    m_list->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setWordWrap(false);
    m_list->setShowGrid(false);
    m_list->setAlternatingRowColors(true);
    m_list->verticalHeader()->hide();
    m_list->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_list->verticalHeader()->setDefaultSectionSize(m_list->fontMetrics().height() + 6);
    m_list->horizontalHeader()->setStretchLastSection(true);
    m_list->horizontalHeader()->setObjectName(QStringLiteral("keyListHeader"));
    m_tree->setModel(m_treeModel);
    m_tree->setUniformRowHeights(true);
    m_tree->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setObjectName(QStringLiteral("keyTreeHeader"));
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(KeyTreeModel::NameColumn, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(KeyTreeModel::CountColumn, QHeaderView::ResizeToContents);
    m_views->addTab(m_list, tr("List"));
    m_views->addTab(m_tree, tr("Namespaces"));

    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(m_refresh);
    filterRow->addWidget(m_loadAllButton);

    auto *patternBox = new QGroupBox(tr("Invalidate by pattern"), this);
    patternBox->setObjectName(QStringLiteral("invalidateBox"));
    auto *patternRow = new QHBoxLayout(patternBox);
    patternRow->addWidget(m_pattern, 1);
    patternRow->addWidget(m_dryRun);
    patternRow->addWidget(m_invalidate);
    patternRow->addWidget(m_cancel);

    auto *left = new QWidget(this);
    left->setObjectName(QStringLiteral("keysLeftPane"));
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addLayout(filterRow);
    leftLayout->addWidget(m_loaded);
    leftLayout->addWidget(m_views, 1);
    auto *actionRow = new QHBoxLayout;
    actionRow->addWidget(m_delete);
    actionRow->addStretch();
    leftLayout->addLayout(actionRow);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("keysSplitter"));
    splitter->addWidget(left);
    splitter->addWidget(m_viewer);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter, 1);
    layout->addWidget(patternBox);
    layout->addWidget(m_status);

    if (m_service) {
        connect(m_service, &KeyBrowserService::pageLoaded, this, &KeysPage::onPageLoaded);
        connect(m_service, &KeyBrowserService::scanSized, this, &KeysPage::onScanSized);
        connect(m_service, &KeyBrowserService::detailsLoaded, this, &KeysPage::onDetails);
        connect(m_service, &KeyBrowserService::keysDeleted, this, &KeysPage::onKeysDeleted);
        connect(m_service, &KeyBrowserService::patternProgress, this,
                [this](quint64 request, const QByteArray &, qint64 soFar) {
                    if (request == m_actionRequest)
                        m_status->setText(tr("Working… %1 keys so far").arg(count(soFar)));
                });
        connect(m_service, &KeyBrowserService::matchCounted, this, &KeysPage::onMatchCounted);
        connect(m_service, &KeyBrowserService::matchDeleted, this, &KeysPage::onMatchDeleted);
        connect(m_service, &KeyBrowserService::failed, this, &KeysPage::onFailed);
    }

    connect(m_listModel, &KeyListModel::fetchRequested, this, [this] {
        // Before the first scan (no profile yet) there is nothing to page; the first
        // refresh restarts the list and asks again.
        if (m_generation != 0)
            m_service->fetchPage(m_generation);
    });
    connect(m_filter, &QLineEdit::returnPressed, this, &KeysPage::refresh);
    connect(m_refresh, &QPushButton::clicked, this, &KeysPage::refresh);
    connect(m_loadAllButton, &QPushButton::clicked, this, &KeysPage::loadAll);
    connect(m_delete, &QPushButton::clicked, this, &KeysPage::deleteSelected);
    connect(m_dryRun, &QPushButton::clicked, this, &KeysPage::countPattern);
    connect(m_pattern, &QLineEdit::returnPressed, this, &KeysPage::countPattern);
    connect(m_pattern, &QLineEdit::textChanged, this, [this] {
        // A count is only good for the pattern it was made for.
        m_countedKeys = -1;
        m_invalidate->setEnabled(false);
        m_invalidate->setText(tr("Delete matches…"));
    });
    connect(m_invalidate, &QPushButton::clicked, this, &KeysPage::deletePattern);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_service->cancel(m_actionRequest);  // the job stops after its current SCAN step
        m_status->setText(tr("Cancelling…"));
    });
    connect(m_list->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid())
                    onCurrentKey(current.data(KeyListModel::KeyRole).toByteArray());
            });
    connect(m_list->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { m_delete->setEnabled(!selectedKeys().isEmpty()); });
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid() && !current.data(KeyTreeModel::IsNamespaceRole).toBool())
                    onCurrentKey(current.data(KeyTreeModel::KeyRole).toByteArray());
            });
    connect(m_tree->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { m_delete->setEnabled(!selectedKeys().isEmpty()); });
    connect(m_views, &QTabWidget::currentChanged, this, [this] { m_delete->setEnabled(!selectedKeys().isEmpty()); });
    updateLoadedLabel();
}

KeysPage::~KeysPage() = default;

void KeysPage::setRedisSettings(const RedisSettings &settings)
{
    if (!m_service)
        return;
    m_haveSettings = true;
    m_service->setSettings(settings);
    m_viewer->clear();
    m_shownKey.clear();
    refresh();
}

void KeysPage::refresh()
{
    if (!m_haveSettings)
        return;
    m_loadAll = false;
    // A new scan: the last one's failure no longer applies (it returns if this one fails).
    if (!m_listError.isEmpty() && m_status->text() == m_listError)
        m_status->clear();
    m_listError.clear();
    // The new scan first: a view may ask for a page while the list resets, and that
    // page must be the new scan's.
    m_generation = m_service->startScan(KeyPattern::toScanMatch(m_filter->text()), kScanCount);
    m_listModel->restart();
    m_treeModel->clear();
    // The first page now, without waiting for the view to notice the empty list.
    m_listModel->fetchMore({});
    updateLoadedLabel();
}

void KeysPage::loadAll()
{
    m_loadAll = true;
    if (m_listModel->canFetchMore({}))
        m_listModel->fetchMore({});
    updateLoadedLabel();
}

void KeysPage::onScanSized(quint64 generation, qint64 keysInDatabase)
{
    // An unfiltered scan lists the whole database: make room up front. A filtered one
    // may list a sliver of it, so it grows as it goes.
    if (generation == m_generation && m_filter->text().isEmpty())
        m_listModel->reserve(std::min<qint64>(keysInDatabase, kMaxReservedKeys));
}

void KeysPage::onPageLoaded(quint64 generation, const QList<QByteArray> &keys, bool atEnd)
{
    if (generation != m_generation)
        return;  // a page of a scan the filter has replaced
    const QList<QByteArray> fresh = m_listModel->appendPage(keys, atEnd);
    m_treeModel->addKeys(fresh);
    updateLoadedLabel();
    Q_EMIT pageShown(int(fresh.size()), atEnd);
    // Keep going when asked to load everything, and through empty stretches of a
    // sparse filter (the view only asks again when rows arrive).
    if (!atEnd && (m_loadAll || fresh.isEmpty()) && m_listModel->canFetchMore({}))
        m_listModel->fetchMore({});
}

void KeysPage::onPageFailed(quint64 generation, const QString &message)
{
    if (generation != m_generation)
        return;
    m_listModel->pageFailed();
    m_loadAll = false;
    updateLoadedLabel();
    m_listError = tr("Could not list keys. %1 Press Refresh to try again.").arg(message);
    m_status->setText(m_listError);
}

void KeysPage::updateLoadedLabel()
{
    QString state;
    if (m_listModel->failed())
        state = tr("stopped after an error");
    else if (m_listModel->atEnd())
        state = tr("scan complete");
    else if (m_loadAll)
        state = tr("loading all…");
    else
        state = tr("scroll down or press Load all for more");
    m_loaded->setText(tr("%1 keys loaded — %2").arg(count(m_listModel->rowCount()), state));
    m_loadAllButton->setEnabled(!m_listModel->atEnd() && !m_listModel->failed());
}

void KeysPage::onCurrentKey(const QByteArray &key)
{
    if (key.isEmpty() || key == m_shownKey)
        return;
    m_shownKey = key;
    m_viewer->showLoading(key);
    m_detailsRequest = m_service->loadDetails(key);
}

void KeysPage::onDetails(quint64 request, const KeyDetails &details)
{
    if (request == m_detailsRequest && details.key == m_shownKey)
        m_viewer->showDetails(details);
}

QList<QByteArray> KeysPage::selectedKeys() const
{
    QList<QByteArray> keys;
    if (m_views->currentWidget() == m_list) {
        for (const QModelIndex &index : m_list->selectionModel()->selectedRows())
            keys.append(index.data(KeyListModel::KeyRole).toByteArray());
    } else {
        for (const QModelIndex &index : m_tree->selectionModel()->selectedRows()) {
            if (!index.data(KeyTreeModel::IsNamespaceRole).toBool())
                keys.append(index.data(KeyTreeModel::KeyRole).toByteArray());
        }
    }
    return keys;
}

void KeysPage::deleteSelected()
{
    const QList<QByteArray> keys = selectedKeys();
    if (keys.isEmpty())
        return;
    const QString text = keys.size() == 1
                             ? tr("Delete the key %1 from Redis?").arg(QString::fromUtf8(keys.first()))
                             : tr("Delete these %1 keys from Redis?").arg(count(keys.size()));
    m_confirmer->ask(this, tr("Delete keys"),
                     text + tr("\n\nCached entries are rebuilt on the next read; this cannot be undone."),
                     tr("Delete %n key(s)", nullptr, int(keys.size())), [this, keys](bool confirmed) {
                         if (!confirmed)
                             return;
                         setBusy(tr("Deleting %1 keys…").arg(count(keys.size())));
                         m_actionRequest = m_service->deleteKeys(keys);
                     });
}

void KeysPage::onKeysDeleted(quint64 request, const QList<QByteArray> &keys, qint64 removed)
{
    if (request != m_actionRequest)
        return;
    m_listModel->removeKeys(keys);
    m_treeModel->removeKeys(keys);
    if (keys.contains(m_shownKey)) {
        m_shownKey.clear();
        m_viewer->clear();
    }
    updateLoadedLabel();
    if (removed == keys.size())
        setIdle(tr("Deleted %1 keys.").arg(count(removed)));
    else
        setIdle(tr("Deleted %1 of %2 selected keys (the others had already gone).")
                    .arg(count(removed), count(keys.size())));
}

void KeysPage::countPattern()
{
    if (!m_haveSettings)
        return;  // no server to count on yet
    const QString text = m_pattern->text().trimmed();
    if (KeyPattern::matchesEverything(text)) {
        m_status->setText(tr("Enter a pattern that names a part of the keyspace, e.g. tiersync:v1:ep:grades:*"));
        return;
    }
    setBusy(tr("Counting keys matching %1…").arg(text));
    m_actionRequest = m_service->countMatching(KeyPattern::toScanMatch(text));
}

void KeysPage::onMatchCounted(quint64 request, const QByteArray &match, qint64 keys)
{
    if (request != m_actionRequest)
        return;
    m_countedMatch = match;
    m_countedKeys = keys;
    setIdle(tr("%1 keys match %2 (dry run: nothing was deleted).").arg(count(keys), QString::fromUtf8(match)));
    m_invalidate->setEnabled(keys > 0);
    m_invalidate->setText(tr("Delete %1 keys…").arg(count(keys)));
}

void KeysPage::deletePattern()
{
    const QByteArray match = KeyPattern::toScanMatch(m_pattern->text().trimmed());
    if (m_countedKeys <= 0 || match != m_countedMatch)
        return;
    m_confirmer->ask(this, tr("Invalidate by pattern"),
                     tr("Delete the %1 keys matching %2?\n\nThey are removed with SCAN and UNLINK in "
                        "batches; keys created meanwhile that match are removed too.")
                         .arg(count(m_countedKeys), QString::fromUtf8(match)),
                     tr("Delete %1 keys").arg(count(m_countedKeys)), [this, match](bool confirmed) {
                         if (!confirmed)
                             return;
                         setBusy(tr("Deleting keys matching %1…").arg(QString::fromUtf8(match)));
                         m_actionRequest = m_service->deleteMatching(match);
                     });
}

void KeysPage::onMatchDeleted(quint64 request, const QByteArray &match, qint64 removed)
{
    if (request != m_actionRequest)
        return;
    setIdle(tr("Deleted %1 keys matching %2.").arg(count(removed), QString::fromUtf8(match)));
    refresh();
}

void KeysPage::onFailed(KeyBrowserService::Request call, quint64 request, const ServiceError &error)
{
    switch (call) {
    case KeyBrowserService::Request::Scan:
        onPageFailed(request, error.describe());
        return;
    case KeyBrowserService::Request::Details:
        if (request == m_detailsRequest)
            m_viewer->showError(m_shownKey, error.describe());
        return;
    case KeyBrowserService::Request::Delete:
        if (request == m_actionRequest)
            setIdle(tr("Nothing was deleted. %1").arg(error.describe()));
        return;
    case KeyBrowserService::Request::CountMatching:
    case KeyBrowserService::Request::DeleteMatching:
        if (request == m_actionRequest)
            setIdle(error.describe());
        return;
    }
}

void KeysPage::setBusy(const QString &what)
{
    m_status->setText(what);
    m_dryRun->setEnabled(false);
    m_invalidate->setEnabled(false);
    m_delete->setEnabled(false);
    m_cancel->setEnabled(true);
}

void KeysPage::setIdle(const QString &message)
{
    m_status->setText(message);
    m_dryRun->setEnabled(true);
    m_cancel->setEnabled(false);
    m_delete->setEnabled(!selectedKeys().isEmpty());
    m_invalidate->setText(tr("Delete matches…"));
    m_invalidate->setEnabled(false);
}

}  // namespace tiersync::ui
