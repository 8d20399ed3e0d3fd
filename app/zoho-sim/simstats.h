#pragma once

#include <QJsonObject>
#include <QtGlobal>

#include <map>
#include <mutex>
#include <string>

namespace tiersync::sim {

// Request counters per "<METHOD> <path>" (GET /_sim/stats). Thread-safe.
class SimStats final {
public:
    void count(const std::string &method, const std::string &path);
    void reset();
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] quint64 total() const;

private:
    mutable std::mutex m_mutex;
    std::map<std::string, quint64> m_requests;
    quint64 m_total = 0;
};

}  // namespace tiersync::sim
