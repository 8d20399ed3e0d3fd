#include "fakezohobudget.h"

#include <QMutexLocker>

namespace tiersync::test {

void FakeZohoBudget::push(Decision decision)
{
    const QMutexLocker locker(&m_mutex);
    m_script.push_back(std::move(decision));
}

QList<ZohoBudgetRequest> FakeZohoBudget::acquires() const
{
    const QMutexLocker locker(&m_mutex);
    return m_acquires;
}

QList<FakeZohoBudget::Release> FakeZohoBudget::releases() const
{
    const QMutexLocker locker(&m_mutex);
    return m_releases;
}

QList<FakeZohoBudget::Rejection> FakeZohoBudget::rejections() const
{
    const QMutexLocker locker(&m_mutex);
    return m_rejections;
}

ZohoBudget::Decision FakeZohoBudget::acquire(const ZohoBudgetRequest &request)
{
    const QMutexLocker locker(&m_mutex);
    m_acquires.append(request);
    if (!m_script.empty()) {
        Decision next = m_script.front();
        m_script.pop_front();
        if (!std::holds_alternative<Granted>(next))
            return next;
    }
    ZohoLease lease;
    lease.id = ++m_nextLease;
    lease.family = request.family;
    lease.purpose = request.purpose;
    lease.expiresAtMs = request.leaseMs;
    return Granted{lease};
}

void FakeZohoBudget::release(const ZohoLease &lease, ZohoLeaseRelease mode)
{
    const QMutexLocker locker(&m_mutex);
    m_releases.append({lease, mode});
}

void FakeZohoBudget::reportRejection(ZohoApiFamily family, const Error &error, const Headers &headers)
{
    const QMutexLocker locker(&m_mutex);
    m_rejections.append({family, error, headers});
}

void FakeZohoBudget::setLimits(const ZohoLimits &limits)
{
    const QMutexLocker locker(&m_mutex);
    m_limits = limits;
}

ZohoLimits FakeZohoBudget::limits() const
{
    const QMutexLocker locker(&m_mutex);
    return m_limits;
}

ZohoBudgetSnapshot FakeZohoBudget::snapshot() const
{
    return {};
}

}  // namespace tiersync::test
