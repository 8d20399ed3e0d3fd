#pragma once

#include "zoho/zohobudget.h"

#include <QList>
#include <QMutex>

#include <deque>

namespace tiersync::test {

// A ZohoBudget a test scripts: acquire() answers the queued decisions in order, then
// Granted; every call is recorded. Thread-safe (the client calls it on its own thread).
class FakeZohoBudget final : public ZohoBudget {
public:
    struct Release {
        ZohoLease lease;
        ZohoLeaseRelease mode;
    };
    struct Rejection {
        ZohoApiFamily family;
        Error error;
        Headers headers;
    };

    FakeZohoBudget() = default;
    ~FakeZohoBudget() override = default;
    Q_DISABLE_COPY_MOVE(FakeZohoBudget)

    void push(Decision decision);

    [[nodiscard]] QList<ZohoBudgetRequest> acquires() const;
    [[nodiscard]] QList<Release> releases() const;
    [[nodiscard]] QList<Rejection> rejections() const;

    [[nodiscard]] Decision acquire(const ZohoBudgetRequest &request) override;
    void release(const ZohoLease &lease, ZohoLeaseRelease mode) override;
    void reportRejection(ZohoApiFamily family, const Error &error, const Headers &headers) override;
    void setLimits(const ZohoLimits &limits) override;
    [[nodiscard]] ZohoLimits limits() const override;
    [[nodiscard]] ZohoBudgetSnapshot snapshot() const override;

private:
    mutable QMutex m_mutex;
    std::deque<Decision> m_script;
    QList<ZohoBudgetRequest> m_acquires;
    QList<Release> m_releases;
    QList<Rejection> m_rejections;
    ZohoLimits m_limits;
    quint64 m_nextLease = 0;
};

}  // namespace tiersync::test
