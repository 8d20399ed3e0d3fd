#include "store/retryeventrecorder.h"

#include "store/retryeventwriter.h"

#include <QThread>

namespace tiersync {

RetryEventRecorder::RetryEventRecorder(PgSettings settings, QObject *parent)
    : RetryEventRecorder(std::move(settings), Options{}, parent)
{
}

RetryEventRecorder::RetryEventRecorder(PgSettings settings, Options options, QObject *parent)
    : QObject(parent),
      m_thread(new QThread(this)),
      m_writer(new RetryEventWriter(std::move(settings), options.flushIntervalMs, options.maxBuffered))
{
    qRegisterMetaType<tiersync::RetryEvent>();
    m_thread->setObjectName(QStringLiteral("tiersync-retry-events"));
    m_writer->moveToThread(m_thread);
    connect(m_writer, &RetryEventWriter::stored, this, &RetryEventRecorder::stored);
    connect(m_writer, &RetryEventWriter::storeFailed, this, &RetryEventRecorder::storeFailed);
    // Last flush and teardown happen on the writer's own thread, where its connection lives.
    connect(m_thread, &QThread::finished, m_thread, [writer = m_writer] {
        writer->flush();
        delete writer;
    }, Qt::DirectConnection);
    m_thread->start();
}

RetryEventRecorder::~RetryEventRecorder()
{
    m_thread->quit();
    m_thread->wait();
}

void RetryEventRecorder::record(const RetryEvent &event)
{
    QMetaObject::invokeMethod(m_writer, [writer = m_writer, event] { writer->enqueue(event); }, Qt::QueuedConnection);
}

}  // namespace tiersync
