#pragma once

#include "core/result.h"
#include "core/zohosettings.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace tiersync::test {

// zoho-sim's /_sim/ controls, for tests that inject faults, mutate records or read
// request counters. apiBase is the sim's base URL (profile.zoho.apiBase).
[[nodiscard]] Result<QJsonObject> simGet(const QString &apiBase, const QString &path);
[[nodiscard]] Result<QJsonObject> simPost(const QString &apiBase, const QString &path, const QJsonObject &body = {});

// Faults all zero (the sim's default); tests that set faults restore this after.
[[nodiscard]] QJsonObject noSimFaults();

// Zoho's limits as the sim enforces them (GET/POST /_sim/limits). `changes` has the
// answer's shape, e.g. {"enabled":true,"books":{"per_minute":5}}; omitted keys keep their
// value, {"reset_budgets":true} forgets every tenant's windows. Both answer the whole
// configuration: {"enabled","books":{"plan","per_minute","per_day","concurrency"},
// "crm":{"edition","users","concurrency","credits_per_day"},"oauth":{"per_10_min"}}.
[[nodiscard]] Result<QJsonObject> simLimits(const QString &apiBase);
[[nodiscard]] Result<QJsonObject> simSetLimits(const QString &apiBase, const QJsonObject &changes);

// Registers settings.orgId/clientId/clientSecret/refreshToken as a sim tenant (POST
// /_sim/tenants): the same data set with its own limit counters and token throttle.
// Registering the same tenant again is fine; an org or client id taken by another tenant
// is an error. Answers {"org_id","client_id","created","tenants"}.
[[nodiscard]] Result<QJsonObject> simRegisterTenant(const QString &apiBase, const ZohoSettings &settings);

// Moves the sim's clock forward (POST /_sim/clock {"advance_ms"}); answers
// {"now_ms","offset_ms","frozen"}.
[[nodiscard]] Result<QJsonObject> simAdvanceClock(const QString &apiBase, qint64 ms);

// GET /_sim/stats "limits" for one tenant: {"client_id","books":{…},"inventory":{…},
// "crm":{…},"oauth":{…}} (see app/zoho-sim/README.md); an error if the sim has no
// tenant with that org id.
[[nodiscard]] Result<QJsonObject> simLimitStats(const QString &apiBase, const QString &orgId);

// Changes records (POST /_sim/mutate {"entity", "operation", …fields}); see
// app/zoho-sim/README.md "Changing records". `operation` is "update", "delete", "create" or
// "move"; `fields` adds the rest, e.g. {"ids":[…]}, {"moodle_user_id":7,"count":2},
// {"ids":[…],"to_moodle_user_id":9}, {"wait_notifications":true}. Answers
// {"entity","operation","mutated","ids",("unknown"),("moved"),("modified_time"|"deleted_time"),
//  ("notifications":{"queued",("delivered")})}.
[[nodiscard]] Result<QJsonObject> simMutateOp(const QString &apiBase, const QString &entity, const QString &operation,
                                              const QJsonObject &fields = {});
// GET /_sim/stats "requests" summed over the keys ("METHOD /path") whose path starts with
// pathPrefix, e.g. "/crm/" for every CRM call of every tenant (benchmarks count Zoho calls).
[[nodiscard]] Result<qint64> simRequestsUnder(const QString &apiBase, const QString &pathPrefix);
// GET /_sim/notifications: {"sent","failed","pending","last":[{"sequence","org_id","channel_id",
// "module","operation","ids","url","status",("error")}]} (the last 50 deliveries, oldest first).
[[nodiscard]] Result<QJsonObject> simNotifications(const QString &apiBase);
// GET /_sim/channels "channels": every tenant's live watch channels, [{"org_id","client_id",
// "channel_id","events","notify_url","channel_expiry","expiry_ms"}].
[[nodiscard]] Result<QJsonArray> simChannels(const QString &apiBase);
// POST /_sim/channels {"drop": channelId}: Zoho drops the channel (every tenant's with that id);
// answers {"dropped":n,"channels":[…]}.
[[nodiscard]] Result<QJsonObject> simDropChannel(const QString &apiBase, const QString &channelId);

}  // namespace tiersync::test
