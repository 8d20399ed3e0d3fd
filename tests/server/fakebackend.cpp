#include "fakebackend.h"

namespace tiersync::test {

FakeBackend::FakeBackend()
    : m_endpoints{QStringLiteral("profile"), QStringLiteral("academics"), QStringLiteral("finance"),
                  QStringLiteral("classes"), QStringLiteral("requests")},
      m_health{{QStringLiteral("status"), QStringLiteral("ok")}},
      m_metrics("# TYPE tiersync_fake_total counter\ntiersync_fake_total 7\n")
{
}

FakeBackend::~FakeBackend()
{
    openGate();
}

bool FakeBackend::hasEndpoint(const QString &endpoint) const
{
    ++m_hasEndpointCalls;
    return m_endpoints.contains(endpoint);
}

Result<EndpointResponse> FakeBackend::read(const QString &endpoint, qint64 moodleUserId, bool forceRefresh)
{
    ++m_readCalls;
    m_lastForceRefresh = forceRefresh;
    m_lastMoodleUserId = moodleUserId;
    ReadFunction function;
    {
        std::unique_lock lock(m_mutex);
        if (m_heldUserId != 0 && moodleUserId == m_heldUserId && !m_gateOpen) {
            ++m_waiting;
            m_gateChanged.wait(lock, [this] { return m_gateOpen; });
            --m_waiting;
        }
        function = m_readFunction;
    }
    if (function)
        return function(endpoint, moodleUserId, forceRefresh);
    EndpointResponse response;
    response.setData(QJsonObject{{QStringLiteral("id"), double(moodleUserId)}});
    response.source = ReadSource::Redis;
    response.cacheAgeSeconds = 3;
    response.endpoint = endpoint;
    response.moodleUserId = moodleUserId;
    return response;
}

QJsonObject FakeBackend::health()
{
    ++m_healthCalls;
    const std::lock_guard lock(m_mutex);
    return m_health;
}

QByteArray FakeBackend::metrics()
{
    const std::lock_guard lock(m_mutex);
    return m_metrics;
}

void FakeBackend::setReadFunction(ReadFunction function)
{
    const std::lock_guard lock(m_mutex);
    m_readFunction = std::move(function);
}

void FakeBackend::setHealth(const QJsonObject &health)
{
    const std::lock_guard lock(m_mutex);
    m_health = health;
}

void FakeBackend::setMetrics(const QByteArray &metrics)
{
    const std::lock_guard lock(m_mutex);
    m_metrics = metrics;
}

void FakeBackend::holdUserId(qint64 moodleUserId)
{
    const std::lock_guard lock(m_mutex);
    m_heldUserId = moodleUserId;
    m_gateOpen = false;
}

void FakeBackend::openGate()
{
    {
        const std::lock_guard lock(m_mutex);
        m_gateOpen = true;
    }
    m_gateChanged.notify_all();
}

int FakeBackend::waitingAtGate() const
{
    const std::lock_guard lock(m_mutex);
    return m_waiting;
}

}  // namespace tiersync::test
