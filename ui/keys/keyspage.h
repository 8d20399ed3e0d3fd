#pragma once

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
class KeyBrowserWorker;
class KeyListModel;
class KeyTreeModel;
struct KeyDetails;
}  // namespace tiersync

namespace tiersync::ui {

class Confirmer;
class ValueViewer;

// The Redis key browser. Keys arrive one SCAN page at a time from the KeyBrowserWorker
// (another thread) and go into a flat list (fetchMore: the view asks for the next page
// when it scrolls to the end) and a namespace tree. Selecting a key loads its value;
// Delete UNLINKs the selection after a confirmation naming the count; invalidation by
// pattern counts first (dry run) and deletes only what the admin confirmed.
class KeysPage final : public QWidget {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeysPage)

public:
    static constexpr int kScanCount = 1000;
    static constexpr qint64 kMaxReservedKeys = 20000000;  // ~1 GB of key names: grow beyond that

    KeysPage(KeyBrowserWorker *worker, Confirmer *confirmer, QWidget *parent = nullptr);
    ~KeysPage() override;

    void setRedisSettings(const tiersync::RedisSettings &settings);
    // Starts the key list again with the current filter.
    void refresh();
    // Keeps asking for pages until the scan is complete (the "Load all" button).
    void loadAll();

    [[nodiscard]] KeyListModel *listModel() const { return m_listModel; }
    [[nodiscard]] KeyTreeModel *treeModel() const { return m_treeModel; }

Q_SIGNALS:
    void redisSettingsChanged(const tiersync::RedisSettings &settings);
    void startScanRequested(quint64 generation, const QByteArray &match, int count);
    void pageRequested(quint64 generation);
    void detailsRequested(const QByteArray &key);
    void deleteRequested(const QList<QByteArray> &keys);
    void countRequested(const QByteArray &match);
    void deleteMatchingRequested(const QByteArray &match);
    // Emitted after each page has been added (the benchmark and tests watch it).
    void pageShown(int rowsAdded, bool atEnd);

private:
    void onPageLoaded(quint64 generation, const QList<QByteArray> &keys, bool atEnd);
    void onScanSized(quint64 generation, qint64 keysInDatabase);
    void onPageFailed(quint64 generation, const QString &message);
    void onDetails(const tiersync::KeyDetails &details);
    void onKeysDeleted(const QList<QByteArray> &keys, qint64 removed);
    void onCurrentKey(const QByteArray &key);
    void deleteSelected();
    void countPattern();
    void deletePattern();
    void setBusy(const QString &what);
    void setIdle(const QString &message);
    void updateLoadedLabel();
    [[nodiscard]] QList<QByteArray> selectedKeys() const;

    KeyBrowserWorker *m_worker;
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
    quint64 m_generation = 0;
    bool m_loadAll = false;
    bool m_haveSettings = false;
    QByteArray m_countedMatch;
    qint64 m_countedKeys = -1;
    QByteArray m_shownKey;
    QString m_listError;  // the key list's failure while m_status shows it
};

}  // namespace tiersync::ui
