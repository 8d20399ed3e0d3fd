#pragma once

#include "core/epochclock.h"
#include "simchannels.h"
#include "simclock.h"
#include "simdataset.h"
#include "simdrift.h"
#include "simfaultconfig.h"
#include "simlimits.h"
#include "simnotifier.h"
#include "simoptions.h"
#include "simreply.h"
#include "simstats.h"
#include "simtenants.h"
#include "simtokenstore.h"

#include <QJsonObject>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

namespace httplib {
struct Request;
}

namespace tiersync::sim {

class SimCriteria;

// Everything zoho-sim answers, independent of sockets: OAuth, Books/Inventory lists
// and records, CRM lists/search/records, and the /_sim/ controls. handle() is called
// concurrently from the HTTP server's pool; the data set sits behind a shared_mutex
// (pages read in parallel, mutations exclusive). Holding faults (latency, timeout)
// sleep in handle() but wake as soon as shutdown() is called. Token expiry, page tokens,
// mutation times, server_time and the limit windows read the sim clock: `clock` (null:
// the system clock; tests move it) plus what POST /_sim/clock advanced. Requests are
// attributed to tenants (SimTenants) and, before anything else is done for them, admitted
// or refused by SimLimits. CRM watch channels (SimChannels) belong to tenants; changes made
// through /_sim/mutate notify them through SimNotifier's sender thread, which shutdown() stops.
class SimService final {
public:
    explicit SimService(const SimOptions &options, EpochClock clock = {});
    Q_DISABLE_COPY_MOVE(SimService)
    ~SimService();

    // The base URL clients are told to use ("api_domain"), known once the port is bound.
    void setApiDomain(const std::string &apiDomain);
    [[nodiscard]] SimReply handle(const httplib::Request &request);
    void shutdown();

    [[nodiscard]] const SimDataSet &dataSetForTests() const { return m_data; }
    [[nodiscard]] qint64 nowMs() const { return m_clock.nowMs(); }

private:
    enum class Api { OAuth, Books, Crm, Other };

    [[nodiscard]] SimReply control(const httplib::Request &request);
    // simservicechanges.cpp: record changes, the deleted list and notifications.
    [[nodiscard]] SimReply controlMutate(const QJsonObject &body);
    [[nodiscard]] SimReply controlNotifications(bool post, const QJsonObject &body);
    [[nodiscard]] SimReply controlChannels(bool post, const QJsonObject &body);
    [[nodiscard]] SimReply crmDeleted(SimEntity entity, const httplib::Request &request, std::optional<qint64> sinceS);
    // Queues the notification of a change of `ids` to every live channel watching it;
    // returns the last delivery's sequence (0: nobody watches). affectedValues: one
    // {"record_id","values"} per id (updates), sent to channels that asked for them.
    quint64 notify(SimEntity entity, SimChannels::Event event, const std::vector<std::string> &ids,
                   const QJsonArray &affectedFields, const QJsonArray &affectedValues = {});
    [[nodiscard]] SimReply controlWebhook(const QJsonObject &body);
    [[nodiscard]] SimReply controlClock(bool post, const QJsonObject &body);
    [[nodiscard]] SimReply controlTenants(bool post, const QJsonObject &body);
    [[nodiscard]] SimReply limitReply(Api api, const SimLimits::Admission &admission) const;
    [[nodiscard]] std::optional<SimReply> injectFault(Api api);
    [[nodiscard]] SimReply oauthToken(const httplib::Request &request);
    // Books and CRM get the tenant of the request's access token (none: missing, unknown or
    // expired, answered 401).
    [[nodiscard]] SimReply books(const httplib::Request &request, std::string_view rest, std::optional<int> tenant);
    [[nodiscard]] SimReply booksList(SimEntity entity, const httplib::Request &request);
    [[nodiscard]] SimPagingFault pagingFault(const httplib::Request &request) const;
    // simservicedrift.cpp: the drift fault, after a page of the default listing that says
    // more follow (cursorEnd: just past that page), and the Books list orders.
    void driftAfterPage(SimEntity entity, const std::string &path, long long cursorEnd);
    [[nodiscard]] static std::vector<int> booksOrder(const std::vector<SimRecord> &records, const QString &column,
                                                     bool descending);
    [[nodiscard]] SimReply crm(const httplib::Request &request, std::string_view rest, std::optional<int> tenant);
    [[nodiscard]] SimReply crmListByIds(SimEntity entity, const httplib::Request &request,
                                        std::optional<qint64> sinceS);
    [[nodiscard]] SimReply crmList(SimEntity entity, const httplib::Request &request,
                                   const SimCriteria *criteria, const QString &criteriaText,
                                   std::optional<qint64> sinceS);
    [[nodiscard]] std::optional<int> tokenTenant(const httplib::Request &request) const;
    [[nodiscard]] std::string apiDomain() const;
    [[nodiscard]] std::string pageToken(SimEntity entity, quint64 queryHash, int offset) const;
    [[nodiscard]] std::optional<int> pageTokenOffset(const std::string &token, SimEntity entity,
                                                     quint64 queryHash) const;
    // Sleeps up to `ms`; false when shutdown() interrupted the wait.
    bool waitMs(int ms);
    [[nodiscard]] qint64 nowSeconds() const;

    const SimOptions m_options;
    SimClock m_clock;
    SimDataSet m_data;
    mutable std::shared_mutex m_dataMutex;
    SimTenants m_tenants;
    SimTokenStore m_tokens;
    SimLimits m_limits;
    SimStats m_stats;
    SimChannels m_channels;
    SimNotifier m_notifier;
    SimDrift m_drift;

    mutable std::mutex m_configMutex;
    SimFaultConfig m_faults;
    std::string m_apiDomain;
    quint64 m_mutationDraws = 0;
    const quint64 m_pageTokenSalt;

    std::mutex m_stopMutex;
    std::condition_variable m_stopCondition;
    bool m_stopping = false;
};

}  // namespace tiersync::sim
