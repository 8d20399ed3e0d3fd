#pragma once

#include "core/pgsettings.h"
#include "core/retryevent.h"

#include <QList>
#include <QObject>

#include <memory>

class QTimer;

namespace tiersync {

class PgConnection;

// The RetryEventRecorder's worker: lives on the recorder's thread and owns the
// PostgreSQL connection it writes with.
class RetryEventWriter final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RetryEventWriter)

public:
    RetryEventWriter(PgSettings settings, int flushIntervalMs, int maxBuffered);
    ~RetryEventWriter() override;

    void enqueue(const tiersync::RetryEvent &event);
    void flush();

signals:
    void stored(int count);
    void storeFailed(const QString &message, int buffered);

private:
    PgSettings m_settings;
    int m_flushIntervalMs;
    int m_maxBuffered;
    QTimer *m_timer = nullptr;
    std::unique_ptr<PgConnection> m_connection;  // created on the writer's thread
    QList<RetryEvent> m_pending;
    qint64 m_dropped = 0;
};

}  // namespace tiersync
