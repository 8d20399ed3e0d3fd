#pragma once

#include "core/pgsettings.h"
#include "core/retryevent.h"

#include <QObject>

class QThread;

namespace tiersync {

class RetryEventWriter;

// Stores every retry event in tiersync.retry_events without ever blocking the caller:
// record() is a queued hand-off to a writer on a thread of its own, which batches what
// arrives within flushIntervalMs into one INSERT. If PostgreSQL is away the events are
// kept (up to maxBuffered, oldest dropped first and counted) and written when it is
// back. Connect ZohoClient::retryEvent to record().
class RetryEventRecorder final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RetryEventRecorder)

public:
    struct Options {
        int flushIntervalMs = 200;
        int maxBuffered = 10000;
    };

    explicit RetryEventRecorder(PgSettings settings, QObject *parent = nullptr);
    RetryEventRecorder(PgSettings settings, Options options, QObject *parent = nullptr);
    // Writes what is still buffered (one last attempt), then joins the writer thread.
    ~RetryEventRecorder() override;

public slots:
    // Thread-safe: a caller whose thread is busy may connect with Qt::DirectConnection.
    void record(const tiersync::RetryEvent &event);

signals:
    // From the writer, queued: how many rows one flush stored, or why it could not.
    void stored(int count);
    void storeFailed(const QString &message, int buffered);

private:
    QThread *m_thread;
    RetryEventWriter *m_writer;
};

}  // namespace tiersync
