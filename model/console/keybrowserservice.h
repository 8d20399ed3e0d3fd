#pragma once

#include "console/keydetails.h"
#include "console/serviceerror.h"
#include "core/redissettings.h"

#include <QByteArray>
#include <QList>
#include <QObject>

namespace tiersync {

// The Keys page's Redis side, as the console sees it: a key list read one SCAN page at a
// time, one key's details, deleting keys, and counting or deleting the keys of a
// pattern. Methods return at once; each answer arrives as one signal, on the thread that
// called. Pages call methods and connect to results; they never see a thread or a
// worker. EngineKeyBrowserService is the engine's implementation; page tests use a fake.
//
// Every call returns a request number (never 0) that its answers carry. A scan's number
// is its generation: pages of an older scan, answered after the filter changed, are
// recognisable and dropped by the page.
class KeyBrowserService : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeyBrowserService)

public:
    // Which call an error belongs to.
    enum class Request { Scan, Details, Delete, CountMatching, DeleteMatching };
    Q_ENUM(Request)

    explicit KeyBrowserService(QObject *parent = nullptr);
    ~KeyBrowserService() override;

    // The server later calls talk to; a scan under way ends (its next page is refused).
    virtual void setSettings(const tiersync::RedisSettings &settings) = 0;
    // Starts listing the keys that match (a MATCH pattern; empty: every key), `count`
    // keys per SCAN step, and returns the scan's generation. scanSized may follow; pages
    // come one per fetchPage.
    virtual quint64 startScan(const QByteArray &match, int count) = 0;
    // The scan's next page: pageLoaded or failed(Scan, scan, …). A scan that is not the
    // newest is refused with failed.
    virtual void fetchPage(quint64 scan) = 0;
    // detailsLoaded or failed(Details, request, …).
    virtual quint64 loadDetails(const QByteArray &key) = 0;
    // UNLINKs these keys: keysDeleted or failed(Delete, request, …).
    virtual quint64 deleteKeys(const QList<QByteArray> &keys) = 0;
    // Dry run of a pattern invalidation: the distinct keys matching. patternProgress
    // about every SCAN step, then matchCounted or failed(CountMatching, request, …) (a
    // cancelled count fails with ErrorKind::Cancelled).
    virtual quint64 countMatching(const QByteArray &match) = 0;
    // UNLINKs every key matching, one SCAN step at a time: patternProgress, then
    // matchDeleted (cancelled: with the keys removed until then) or
    // failed(DeleteMatching, request, …). A pattern that matches every key is refused.
    virtual quint64 deleteMatching(const QByteArray &match) = 0;
    // Stops that request's count or pattern delete after its current SCAN step. A
    // cancel of a request that already ended (or of any other call) does nothing.
    virtual void cancel(quint64 request) = 0;

Q_SIGNALS:
    // At the start of a scan: how many keys the database holds (DBSIZE), the most the
    // scan can list.
    void scanSized(quint64 scan, qint64 keysInDatabase);
    void pageLoaded(quint64 scan, const QList<QByteArray> &keys, bool atEnd);
    void detailsLoaded(quint64 request, const tiersync::KeyDetails &details);
    // removed: how many of them existed.
    void keysDeleted(quint64 request, const QList<QByteArray> &keys, qint64 removed);
    void patternProgress(quint64 request, const QByteArray &match, qint64 keysSoFar);
    void matchCounted(quint64 request, const QByteArray &match, qint64 count);
    void matchDeleted(quint64 request, const QByteArray &match, qint64 removed);
    void failed(tiersync::KeyBrowserService::Request call, quint64 request, const tiersync::ServiceError &error);
};

}  // namespace tiersync
