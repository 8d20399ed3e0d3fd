#include "cache/cachekeys.h"

#include <QRegularExpression>

namespace tiersync::cachekeys {

namespace {

QByteArray join(std::initializer_list<QByteArray> parts)
{
    QByteArray key(kNamespace);
    bool first = true;
    for (const QByteArray &part : parts) {
        if (!first)
            key += ':';
        key += part;
        first = false;
    }
    return key;
}

}  // namespace

QByteArray endpointKey(const QString &endpoint, qint64 moodleUserId)
{
    return join({"ep", endpoint.toUtf8(), QByteArray::number(moodleUserId)});
}

QByteArray endpointPrefix(const QString &endpoint)
{
    return join({"ep", endpoint.toUtf8()}) + ':';
}

QByteArray entityStateKey(const QString &entityType, const QString &zohoId)
{
    return join({"state", entityType.toUtf8(), zohoId.toUtf8()});
}

QByteArray entityStatePrefix(const QString &entityType)
{
    return join({"state", entityType.toUtf8()}) + ':';
}

QByteArray statsKey(const QString &endpoint, qint64 epochMinute)
{
    return join({"stats", endpoint.toUtf8(), QByteArray::number(epochMinute)});
}

QByteArray zohoCallsKey(qint64 epochMinute)
{
    return join({"zoho_calls", QByteArray::number(epochMinute)});
}

QByteArray oauthKey(const QString &clientId)
{
    return join({"oauth", clientId.toUtf8()});
}

bool isValidName(const QString &name)
{
    // \z, not $: "$" also matches before a final newline ("grades\n" is no name).
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9_-]{1,64}\\z"));
    return pattern.match(name).hasMatch();
}

bool isValidZohoId(const QString &id)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_-]{1,64}\\z"));
    return pattern.match(id).hasMatch();
}

}  // namespace tiersync::cachekeys
