#pragma once

#include "simentity.h"
#include "simreply.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QtGlobal>

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace httplib {
struct Request;
}

namespace tiersync::sim {

class SimTenants;

// CRM notification channels ("actions/watch"): what each tenant (OAuth client) asked to be
// told about, until when, where and with which token. The watch API itself (enable,
// update, list, disable) answers here; SimService admits and counts the calls like any
// other CRM call. A channel past its expiry (sim clock) is gone: it neither notifies nor
// lists. Thread-safe.
class SimChannels final {
public:
    // What happened to a record, as the events name it.
    enum class Event : quint8 { Create = 1, Edit = 2, Delete = 4 };

    struct Channel final {
        int tenant = 0;
        qint64 channelId = 0;
        std::array<quint8, 7> events{};  // per SimEntity: Event bits
        std::string token;
        QString notifyUrl;
        qint64 expiryMs = 0;
        bool returnAffectedFieldValues = false;  // notifications carry affected_values
    };

    static constexpr int maxPerRequest = 50;
    static constexpr int maxPerTenant = 500;
    static constexpr int maxTokenLength = 50;
    static constexpr qint64 maxExpiryAheadMs = 7LL * 86'400'000;
    static constexpr qint64 defaultExpiryAheadMs = 3'600'000;

    SimChannels() = default;
    Q_DISABLE_COPY_MOVE(SimChannels)

    // GET/POST/PUT/PATCH/DELETE {api}/crm/{version}/actions/watch for `tenant`.
    [[nodiscard]] SimReply handle(const httplib::Request &request, int tenant, qint64 nowMs,
                                  const QString &apiDomain, const QString &version);
    // The live channels whose events include `event` on `entity`, in (tenant, id) order.
    [[nodiscard]] std::vector<Channel> matching(SimEntity entity, Event event, qint64 nowMs);
    // Whether any live channel matching (entity, event) asked for affected_values.
    [[nodiscard]] bool wantsAffectedValues(SimEntity entity, Event event, qint64 nowMs);
    // Removes channel `channelId` of every tenant (or of `tenant` only), as Zoho dropping it;
    // returns how many went.
    int drop(qint64 channelId, std::optional<int> tenant = std::nullopt);
    // Every live channel of every tenant, for /_sim/channels.
    [[nodiscard]] QJsonArray toJson(qint64 nowMs, const SimTenants &tenants);

    [[nodiscard]] static QString moduleResourceId(SimEntity entity);

private:
    using Key = std::pair<int, qint64>;  // (tenant, channel id)
    enum class Mode { Enable, Replace, Patch };

    [[nodiscard]] SimReply subscribe(const httplib::Request &request, int tenant, qint64 nowMs, Mode mode,
                                     const QString &apiDomain, const QString &version);
    [[nodiscard]] SimReply list(const httplib::Request &request, int tenant, const QString &apiDomain,
                                const QString &version);
    [[nodiscard]] SimReply unsubscribe(const httplib::Request &request, int tenant, const QString &apiDomain,
                                       const QString &version);
    [[nodiscard]] static std::optional<QJsonObject> applySettings(const QJsonObject &item, int i, bool partial,
                                                                  qint64 nowMs, Channel &channel);
    // Drops expired channels; the caller holds m_mutex.
    void purge(qint64 nowMs);

    std::mutex m_mutex;
    std::map<Key, Channel> m_channels;
};

}  // namespace tiersync::sim
