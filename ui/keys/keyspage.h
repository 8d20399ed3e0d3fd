#pragma once

#include "console/keybrowserservice.h"
#include "core/redissettings.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class QTreeView;

namespace tiersync {
class KeyListModel;
class KeyTreeModel;
}  // namespace tiersync

namespace tiersync::ui {

class Confirmer;
class ValueViewer;

// The Redis key browser. Keys arrive one SCAN page at a time from the KeyBrowserService
// and go into a flat list (fetchMore: the view asks for the next page when it scrolls to
// the end) and a namespace tree. Selecting a key loads its value; Delete UNLINKs the
// selection after a confirmation naming the count; invalidation by pattern counts first
// (dry run) and deletes only what the admin confirmed. A window built without the
// service (another page's test) leaves the page idle: it never gets settings.
class KeysPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeysPage)

public:
    static constexpr int kScanCount = 1000;
    static constexpr qint64 kMaxReservedKeys = 20000000;  // ~1 GB of key names: grow beyond that

    KeysPage(KeyBrowserService *service, Confirmer *confirmer, QWidget *parent = nullptr);
    ~KeysPage() override;

    void setRedisSettings(const tiersync::RedisSettings &settings);
    // Starts the key list again with the current filter.
    void refresh();
    // Keeps asking for pages until the scan is complete (the "Load all" button).
    void loadAll();

    [[nodiscard]] KeyListModel *listModel() const { return m_listModel; }
    [[nodiscard]] KeyTreeModel *treeModel() const { return m_treeModel; }

Q_SIGNALS:
    // Emitted after each page has been added (the benchmark and tests watch it).
    void pageShown(int rowsAdded, bool atEnd);

private:
    void onPageLoaded(quint64 generation, const QList<QByteArray> &keys, bool atEnd);
    void onScanSized(quint64 generation, qint64 keysInDatabase);
    void onPageFailed(quint64 generation, const QString &message);
    void onDetails(quint64 request, const tiersync::KeyDetails &details);
    void onKeysDeleted(quint64 request, const QList<QByteArray> &keys, qint64 removed);
    void onMatchCounted(quint64 request, const QByteArray &match, qint64 keys);
    void onMatchDeleted(quint64 request, const QByteArray &match, qint64 removed);
    void onFailed(tiersync::KeyBrowserService::Request call, quint64 request, const tiersync::ServiceError &error);
    void onCurrentKey(const QByteArray &key);
    void deleteSelected();
    void countPattern();
    void deletePattern();
    void setBusy(const QString &what);
    void setIdle(const QString &message);
    void updateLoadedLabel();
    [[nodiscard]] QList<QByteArray> selectedKeys() const;

    KeyBrowserService *m_service;
    Confirmer *m_confirmer;
    KeyListModel *m_listModel;
    KeyTreeModel *m_treeModel;
    QLineEdit *m_filter;
    QPushButton *m_refresh;
    QPushButton *m_loadAllButton;
    QLabel *m_loaded;
    QTabWidget *m_views;
    QTableView *m_list;
    QTreeView *m_tree;
    QPushButton *m_delete;
    QLineEdit *m_pattern;
    QPushButton *m_dryRun;
    QPushButton *m_invalidate;
    QPushButton *m_cancel;
    QLabel *m_status;
    ValueViewer *m_viewer;
    quint64 m_generation = 0;      // the newest scan
    quint64 m_detailsRequest = 0;  // the shown key's details
    quint64 m_actionRequest = 0;   // the delete, count or pattern delete under way
    bool m_loadAll = false;
    bool m_haveSettings = false;
    QByteArray m_countedMatch;
    qint64 m_countedKeys = -1;
    QByteArray m_shownKey;
    QString m_listError;  // the key list's failure while m_status shows it
};

}  // namespace tiersync::ui
