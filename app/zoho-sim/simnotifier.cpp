#include "simnotifier.h"

#include "simwebhooksender.h"

#include <QJsonArray>
#include <QUrl>

#include <httplib.h>

namespace tiersync::sim {

SimNotifier::SimNotifier() : m_thread([this] { run(); }) {}

SimNotifier::~SimNotifier()
{
    stop();
}

quint64 SimNotifier::enqueue(std::vector<Delivery> deliveries)
{
    std::lock_guard lock(m_mutex);
    for (Delivery &delivery : deliveries)
        m_queue.push_back(Queued{++m_lastQueued, std::move(delivery)});
    m_wake.notify_one();
    return deliveries.empty() ? 0 : m_lastQueued;
}

bool SimNotifier::waitDelivered(quint64 sequence, int waitMs)
{
    std::unique_lock lock(m_mutex);
    return m_progress.wait_for(lock, std::chrono::milliseconds(waitMs),
                               [&] { return m_lastDone >= sequence || m_stopping; })
           && m_lastDone >= sequence;
}

qint64 SimNotifier::serverTime(qint64 nowMs)
{
    std::lock_guard lock(m_mutex);
    m_lastServerTime = std::max(nowMs, m_lastServerTime + 1);
    return m_lastServerTime;
}

QJsonObject SimNotifier::toJson() const
{
    std::lock_guard lock(m_mutex);
    QJsonArray last;
    for (const QJsonObject &entry : m_history)
        last.append(entry);
    return QJsonObject{{QStringLiteral("sent"), static_cast<qint64>(m_sent)},
                       {QStringLiteral("failed"), static_cast<qint64>(m_failed)},
                       {QStringLiteral("pending"), static_cast<qint64>(m_lastQueued - m_lastDone)},
                       {QStringLiteral("last"), last}};
}

void SimNotifier::resetCounters()
{
    std::lock_guard lock(m_mutex);
    m_sent = 0;
    m_failed = 0;
    m_history.clear();
}

void SimNotifier::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        if (m_current)
            m_current->stop();  // aborts the socket of a delivery in progress
    }
    m_wake.notify_all();
    m_progress.notify_all();
    if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id())
        m_thread.join();
}

void SimNotifier::run()
{
    for (;;) {
        Queued next;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_stopping)
                return;
            next = std::move(m_queue.front());
            m_queue.pop_front();
        }
        QString error;
        const int status = post(next.delivery, error);
        std::lock_guard lock(m_mutex);
        const bool ok = status >= 200 && status < 300;
        ++(ok ? m_sent : m_failed);
        m_lastDone = next.sequence;
        QJsonObject entry{{QStringLiteral("sequence"), static_cast<qint64>(next.sequence)},
                          {QStringLiteral("org_id"), next.delivery.orgId},
                          {QStringLiteral("channel_id"), next.delivery.channelId},
                          {QStringLiteral("module"), next.delivery.module},
                          {QStringLiteral("operation"), next.delivery.operation},
                          {QStringLiteral("ids"), next.delivery.idCount},
                          {QStringLiteral("url"), next.delivery.url},
                          {QStringLiteral("status"), status}};
        if (!error.isEmpty())
            entry.insert(QStringLiteral("error"), error);
        m_history.push_back(entry);
        while (m_history.size() > historySize)
            m_history.pop_front();
        m_progress.notify_all();
    }
}

int SimNotifier::post(const Delivery &delivery, QString &error)
{
    if (!SimWebhookSender::isLoopbackUrl(delivery.url)) {
        error = QStringLiteral("not delivered: the sim posts to http:// loopback URLs only");
        return 0;
    }
    const QUrl parsed(delivery.url);
    const QString host = parsed.host() == QLatin1String("::1") ? QStringLiteral("[::1]") : parsed.host();
    httplib::Client client(QStringLiteral("http://%1:%2").arg(host).arg(parsed.port(80)).toStdString());
    const auto timeout = std::chrono::milliseconds(timeoutMs);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping)
            return 0;
        m_current = &client;
    }
    QString path = parsed.path(QUrl::FullyEncoded);
    if (path.isEmpty())
        path = QStringLiteral("/");
    if (parsed.hasQuery())
        path += QLatin1Char('?') + parsed.query(QUrl::FullyEncoded);
    const auto result = client.Post(path.toStdString(), delivery.body, "application/json");
    {
        std::lock_guard lock(m_mutex);
        m_current = nullptr;
    }
    if (!result) {
        error = QStringLiteral("delivery failed: %1").arg(QString::fromStdString(httplib::to_string(result.error())));
        return 0;
    }
    return result->status;
}

}  // namespace tiersync::sim
