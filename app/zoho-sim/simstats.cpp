#include "simstats.h"

namespace tiersync::sim {

void SimStats::count(const std::string &method, const std::string &path)
{
    std::string key;
    key.reserve(method.size() + 1 + path.size());
    key.append(method).append(1, ' ').append(path);
    std::lock_guard lock(m_mutex);
    ++m_requests[key];
    ++m_total;
}

void SimStats::reset()
{
    std::lock_guard lock(m_mutex);
    m_requests.clear();
    m_total = 0;
}

QJsonObject SimStats::toJson() const
{
    std::lock_guard lock(m_mutex);
    QJsonObject requests;
    for (const auto &[key, count] : m_requests)
        requests.insert(QString::fromStdString(key), static_cast<qint64>(count));
    return QJsonObject{{QStringLiteral("total"), static_cast<qint64>(m_total)},
                       {QStringLiteral("requests"), requests}};
}

quint64 SimStats::total() const
{
    std::lock_guard lock(m_mutex);
    return m_total;
}

}  // namespace tiersync::sim
