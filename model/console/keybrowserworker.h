#pragma once

#include "console/keydetails.h"
#include "core/redissettings.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

namespace tiersync {

class RedisConnection;
class RedisScanner;

// The key browser's Redis side. Lives on a worker thread (WorkerThreads); its slots
// are called by queued signals from the GUI and answer with queued signals, one per
// SCAN page (DESIGN.md "Threads"). The Redis connection is created inside the worker's
// thread on first use and replaced when the settings change.
//
// Scans are numbered by the caller (generation): a page of an older scan that arrives
// after the filter changed is recognisable and dropped by the receiver.
class KeyBrowserWorker final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyBrowserWorker)

public:
    // A SCAN step over a sparse MATCH can return nothing; the worker keeps stepping for
    // up to this long before it answers with an empty page, so the GUI is neither
    // flooded with empty pages nor kept waiting.
    static constexpr int kMaxPageMs = 50;

    explicit KeyBrowserWorker(QObject *parent = nullptr);
    ~KeyBrowserWorker() override;

    // Thread-safe: stops a running count or pattern delete after its current step.
    void cancel() { m_cancel.store(true); }

public Q_SLOTS:
    void setSettings(const tiersync::RedisSettings &settings);
    void startScan(quint64 generation, const QByteArray &match, int count);
    void fetchPage(quint64 generation);
    void loadDetails(const QByteArray &key);
    void deleteKeys(const QList<QByteArray> &keys);
    // Dry run of a pattern invalidation: distinct keys matching.
    void countMatching(const QByteArray &match);
    void deleteMatching(const QByteArray &match);

Q_SIGNALS:
    // At the start of a scan: how many keys the database holds (DBSIZE), the most the
    // scan can list.
    void scanSized(quint64 generation, qint64 keysInDatabase);
    void pageLoaded(quint64 generation, const QList<QByteArray> &keys, bool atEnd);
    void pageFailed(quint64 generation, const QString &message);
    void detailsLoaded(const tiersync::KeyDetails &details);
    void detailsFailed(const QByteArray &key, const QString &message);
    void keysDeleted(const QList<QByteArray> &keys, qint64 removed);
    void deleteFailed(const QString &message);
    // Progress of countMatching / deleteMatching, about every SCAN step.
    void patternProgress(const QByteArray &match, qint64 keysSoFar);
    void matchCounted(const QByteArray &match, qint64 count);
    void matchDeleted(const QByteArray &match, qint64 removed);
    void patternFailed(const QByteArray &match, const QString &message);

private:
    [[nodiscard]] RedisConnection &connection();

    RedisSettings m_settings;
    std::unique_ptr<RedisConnection> m_connection;
    std::unique_ptr<RedisScanner> m_scanner;
    quint64 m_generation = 0;
    std::atomic<bool> m_cancel{false};
};

}  // namespace tiersync
