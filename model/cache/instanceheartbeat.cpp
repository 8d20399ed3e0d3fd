#include "cache/instanceheartbeat.h"

#include <QCoreApplication>
#include <QSysInfo>

namespace tiersync {

namespace {

QString hostName()
{
    QString name = QSysInfo::machineHostName();
    if (name.isEmpty())
        name = QStringLiteral("localhost");
    // The host is a key segment: keep it to characters that never need escaping in a
    // SCAN pattern or confuse the ':' separated namespace.
    for (QChar &c : name) {
        if (!(c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char('.') || c == QLatin1Char('_')))
            c = QLatin1Char('_');
    }
    return name;
}

QByteArray boolField(bool value)
{
    return value ? QByteArrayLiteral("1") : QByteArrayLiteral("0");
}

}  // namespace

QByteArray InstanceHeartbeat::key() const
{
    return QByteArray(kKeyPrefix) + host.toUtf8() + ':' + QByteArray::number(pid);
}

InstanceHeartbeat InstanceHeartbeat::forThisProcess()
{
    InstanceHeartbeat heartbeat;
    heartbeat.host = hostName();
    heartbeat.pid = QCoreApplication::applicationPid();
    return heartbeat;
}

QHash<QByteArray, QByteArray> InstanceHeartbeat::toFields() const
{
    return {
        {QByteArrayLiteral("host"), host.toUtf8()},
        {QByteArrayLiteral("pid"), QByteArray::number(pid)},
        {QByteArrayLiteral("circuit"), circuit.toUtf8()},
        {QByteArrayLiteral("caching_enabled"), boolField(cachingEnabled)},
        {QByteArrayLiteral("caching_forced_off"), boolField(cachingForcedOff)},
        {QByteArrayLiteral("zoho_in_flight"), QByteArray::number(zohoInFlight)},
        {QByteArrayLiteral("zoho_queued"), QByteArray::number(zohoQueued)},
        {QByteArrayLiteral("zoho_rate_per_minute"), QByteArray::number(zohoRequestsPerMinute)},
        {QByteArrayLiteral("zoho_budget"), zohoBudgetMode.toUtf8()},
        {QByteArrayLiteral("started_at"), QByteArray::number(startedAtMs)},
        {QByteArrayLiteral("last_seen"), QByteArray::number(lastSeenMs)},
    };
}

InstanceHeartbeat InstanceHeartbeat::fromFields(const QHash<QByteArray, QByteArray> &fields)
{
    InstanceHeartbeat heartbeat;
    const auto text = [&](const char *name, QString *out) {
        const auto it = fields.constFind(QByteArray(name));
        if (it != fields.constEnd() && !it.value().isEmpty())
            *out = QString::fromUtf8(it.value());
    };
    const auto integer = [&](const char *name, auto *out) {
        bool ok = false;
        const qint64 value = fields.value(QByteArray(name)).toLongLong(&ok);
        if (ok)
            *out = decltype(+*out)(value);
    };
    const auto flag = [&](const char *name, bool *out) {
        const auto it = fields.constFind(QByteArray(name));
        if (it != fields.constEnd())
            *out = it.value() == "1";
    };
    text("host", &heartbeat.host);
    integer("pid", &heartbeat.pid);
    text("circuit", &heartbeat.circuit);
    flag("caching_enabled", &heartbeat.cachingEnabled);
    flag("caching_forced_off", &heartbeat.cachingForcedOff);
    integer("zoho_in_flight", &heartbeat.zohoInFlight);
    integer("zoho_queued", &heartbeat.zohoQueued);
    bool ok = false;
    const double rate = fields.value(QByteArrayLiteral("zoho_rate_per_minute")).toDouble(&ok);
    if (ok && rate >= 0)
        heartbeat.zohoRequestsPerMinute = rate;
    text("zoho_budget", &heartbeat.zohoBudgetMode);
    integer("started_at", &heartbeat.startedAtMs);
    integer("last_seen", &heartbeat.lastSeenMs);
    return heartbeat;
}

}  // namespace tiersync
