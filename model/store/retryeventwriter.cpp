#include "store/retryeventwriter.h"

#include "core/logging.h"
#include "store/pgconnection.h"
#include "store/retryeventrepository.h"

#include <QTimer>

namespace tiersync {

RetryEventWriter::RetryEventWriter(PgSettings settings, int flushIntervalMs, int maxBuffered)
    : m_settings(std::move(settings)), m_flushIntervalMs(flushIntervalMs), m_maxBuffered(maxBuffered)
{
}

RetryEventWriter::~RetryEventWriter() = default;

void RetryEventWriter::enqueue(const RetryEvent &event)
{
    m_pending.append(event);
    if (m_pending.size() > m_maxBuffered) {
        const qsizetype excess = m_pending.size() - m_maxBuffered;
        m_pending.remove(0, excess);
        m_dropped += excess;
        qCWarning(lcPg) << "retry event buffer full; dropped" << m_dropped << "oldest events so far";
    }
    if (!m_timer) {
        m_timer = new QTimer(this);
        m_timer->setSingleShot(true);
        connect(m_timer, &QTimer::timeout, this, &RetryEventWriter::flush);
    }
    if (!m_timer->isActive())
        m_timer->start(m_flushIntervalMs);
}

void RetryEventWriter::flush()
{
    if (m_pending.isEmpty())
        return;
    if (!m_connection)
        m_connection = std::make_unique<PgConnection>(m_settings);
    auto inserted = RetryEventRepository(*m_connection).insert(m_pending);
    if (!inserted) {
        qCWarning(lcPg) << "cannot store" << m_pending.size() << "retry events:" << inserted.error().message;
        emit storeFailed(inserted.error().message, int(m_pending.size()));
        if (m_timer)
            m_timer->start(qMax(1000, m_flushIntervalMs));  // try again when the server may be back
        return;
    }
    m_pending.clear();
    emit stored(*inserted);
}

}  // namespace tiersync
