#include "budget/zohobudgetstore.h"

#include "budget/rediszohobudget.h"
#include "budget/redistokenstore.h"
#include "budget/tokenrecord.h"
#include "redis/redisconnection.h"
#include "redis/redisscript.h"

#include <QFile>

#include <algorithm>
#include <map>

static void initZohoBudgetStoreResources()
{
    Q_INIT_RESOURCE(rediszohobudget);
}

namespace tiersync {

namespace {

constexpr qsizetype kFamilyFields = 6;
constexpr qsizetype kTotalsFields = 2 + kFamilyFields * kZohoApiFamilyCount;

qint64 intAt(const QList<RedisReply> &items, qsizetype index)
{
    if (index >= items.size())
        return 0;
    const RedisReply &item = items[index];
    return item.isInteger() ? item.integerValue() : item.bytes().toLongLong();
}

QByteArray familyKey(const QByteArray &scope, const char *what, ZohoApiFamily family)
{
    return scope + what + ':' + zohoApiFamilyName(family).toLatin1();
}

Error badReply(const RedisReply &reply)
{
    return makeError(ErrorKind::Protocol, QStringLiteral("snapshot.lua answered %1").arg(reply.describe()));
}

// {other, id, window, in flight, …} of one family into the instances by id.
bool addFamilyParts(const RedisReply &list, ZohoApiFamily family, ZohoBudgetUsage &usage,
                    std::map<QString, ZohoBudgetInstanceUse> &byId)
{
    if (!list.isArray() || list.elements().isEmpty() || (list.elements().size() - 1) % 3 != 0)
        return false;
    const QList<RedisReply> &items = list.elements();
    usage.otherWindowUsed[size_t(family)] = int(intAt(items, 0));
    for (qsizetype i = 1; i + 2 < items.size(); i += 3) {
        ZohoBudgetInstanceUse &use = byId[QString::fromUtf8(items[i].bytes())];
        use.windowUsed[size_t(family)] = int(intAt(items, i + 1));
        use.inFlight[size_t(family)] = int(intAt(items, i + 2));
    }
    return true;
}

ZohoTokenInfo tokenInfo(const QByteArray &header)
{
    ZohoTokenInfo token;
    if (header.isEmpty())
        return token;
    auto parsed = TokenRecord::parseHeader(header);
    if (!parsed) {
        token.problem = parsed.error().message;
        return token;
    }
    token.present = true;
    token.refreshedAtMs = parsed->refreshedAtMs;
    token.expiresAtMs = parsed->expiresAtMs;
    token.refreshedBy = parsed->refreshedBy;
    return token;
}

}  // namespace

ZohoBudgetStore::ZohoBudgetStore(RedisConnection &redis, const ZohoSettings &zoho)
    : m_redis(redis)
    , m_zoho(zoho)
{
}

QByteArray ZohoBudgetStore::script()
{
    initZohoBudgetStoreResources();
    QFile file(QStringLiteral(":/budget/lua/snapshot.lua"));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("budget script snapshot.lua is not compiled in");
    return file.readAll();
}

QList<QByteArray> ZohoBudgetStore::totalsKeys(const QByteArray &booksScope, const QByteArray &crmScope)
{
    QList<QByteArray> keys;
    for (int i = 0; i < kZohoApiFamilyCount; ++i) {
        const auto family = ZohoApiFamily(i);
        const QByteArray &scope = family == ZohoApiFamily::Crm ? crmScope : booksScope;
        keys << familyKey(scope, "rate", family) << familyKey(scope, "leases", family)
             << familyKey(scope, "day", family) << familyKey(scope, "halt", family)
             << familyKey(scope, "pause", family);
    }
    keys << booksScope + "instances";
    return keys;
}

QList<QByteArray> ZohoBudgetStore::totalsArgs(const ZohoLimits &limits, const QByteArray &nowArg, qint64 liveTtlMs)
{
    QList<QByteArray> args{nowArg, QByteArray::number(liveTtlMs)};
    for (int i = 0; i < kZohoApiFamilyCount; ++i) {
        const FamilyLimits &family = limits.of(ZohoApiFamily(i));
        args << QByteArray::number(family.effectiveWindowMs())
             << (family.dayKind == ZohoDayKind::CalendarUtc ? QByteArrayLiteral("c") : QByteArrayLiteral("r"))
             << QByteArray::number(family.dayBucketMs);
    }
    return args;
}

std::optional<ZohoBudgetSnapshot> ZohoBudgetStore::parseTotals(const RedisReply &reply, const ZohoLimits &limits)
{
    if (!reply.isArray() || reply.elements().size() < kTotalsFields)
        return std::nullopt;
    const QList<RedisReply> &items = reply.elements();
    ZohoBudgetSnapshot out;
    out.mode = ZohoBudgetMode::Shared;
    out.atMs = intAt(items, 0);
    for (int i = 0; i < kZohoApiFamilyCount; ++i) {
        const FamilyLimits &family = limits.of(ZohoApiFamily(i));
        const qsizetype at = 2 + kFamilyFields * i;
        ZohoBudgetFamilySnapshot &s = out.families[size_t(i)];
        s.windowUsed = int(intAt(items, at));
        s.windowLimit = family.perWindow;
        s.inFlight = int(intAt(items, at + 1));
        s.concurrency = family.concurrency;
        s.dayUsed = intAt(items, at + 2);
        s.dayLimit = family.perDay;
        s.haltedUntilMs = intAt(items, at + 3);
        s.pausedUntilMs = intAt(items, at + 4);
        // until|code|by|reason: the reason may hold '|' itself
        const QList<QByteArray> marker = items[at + 5].bytes().split('|');
        if (s.haltedUntilMs > 0 && marker.size() > 3)
            s.haltReason = QString::fromUtf8(marker.mid(3).join('|'));
    }
    return out;
}

Result<ZohoBudgetUsage> ZohoBudgetStore::read(const ZohoLimits &limits, qint64 nowMs, qint64 liveTtlMs) const
{
    const QByteArray booksScope = RedisZohoBudget::keyPrefix(m_zoho, ZohoApiFamily::Books);
    const QByteArray crmScope = RedisZohoBudget::keyPrefix(m_zoho, ZohoApiFamily::Crm);
    QList<QByteArray> keys = totalsKeys(booksScope, crmScope);
    keys << crmScope + "instances" << RedisTokenStore::keyFor(m_zoho.clientId);
    QList<QByteArray> args = totalsArgs(limits, nowMs > 0 ? QByteArray::number(nowMs) : QByteArray(), liveTtlMs);
    args << QByteArrayLiteral("i");
    static const RedisScript snapshot(script());
    auto reply = snapshot.run(m_redis, keys, args);
    if (!reply)
        return reply.error();
    auto totals = parseTotals(*reply, limits);
    const QList<RedisReply> &items = reply->elements();
    if (!totals || items.size() != kTotalsFields + kZohoApiFamilyCount + 2)
        return badReply(*reply);

    ZohoBudgetUsage usage;
    usage.totals = *totals;
    std::map<QString, ZohoBudgetInstanceUse> byId;
    for (int i = 0; i < kZohoApiFamilyCount; ++i) {
        if (!addFamilyParts(items[kTotalsFields + i], ZohoApiFamily(i), usage, byId))
            return badReply(*reply);
    }
    const RedisReply &live = items[kTotalsFields + kZohoApiFamilyCount];
    if (!live.isArray() || live.elements().size() % 2 != 0)
        return badReply(*reply);
    for (qsizetype i = 0; i + 1 < live.elements().size(); i += 2)
        byId[QString::fromUtf8(live.elements()[i].bytes())].lastAcquireMs = intAt(live.elements(), i + 1);
    // Both scopes: a process that only called CRM is live too (the totals' count is Books').
    usage.liveInstances = int(live.elements().size() / 2);
    for (auto &[id, use] : byId) {
        use.instanceId = id;
        usage.instances.append(use);
    }
    usage.token = tokenInfo(items.last().bytes());
    return usage;
}

}  // namespace tiersync
