#include "server/readrequest.h"

#include "cache/cachekeys.h"

namespace tiersync {

namespace {

const QString kMoodleUserId = QStringLiteral("moodle_user_id");
const QString kForceRefresh = QStringLiteral("force_refresh");

Error invalid(const QString &message)
{
    return makeError(ErrorKind::InvalidArgument, message);
}

}  // namespace

QList<QPair<QString, QString>> ReadRequest::parseQuery(const QByteArray &rawQuery)
{
    QList<QPair<QString, QString>> items;
    for (const QByteArray &item : rawQuery.split('&')) {
        if (item.isEmpty())
            continue;
        const qsizetype equals = item.indexOf('=');
        const auto decode = [](QByteArray part) {
            part.replace('+', ' ');
            return QString::fromUtf8(QByteArray::fromPercentEncoding(part));
        };
        if (equals < 0)
            items.append({decode(item), QString()});
        else
            items.append({decode(item.left(equals)), decode(item.mid(equals + 1))});
    }
    return items;
}

Result<qint64> ReadRequest::parseMoodleUserId(const QString &text)
{
    if (text.isEmpty())
        return invalid(QStringLiteral("moodle_user_id is empty"));
    // The value is echoed only after this check, so a hostile one never reaches a log
    // line or a response; the length test comes first to bound the work.
    if (text.size() > 16)
        return invalid(QStringLiteral("moodle_user_id is too long (at most 16 digits)"));
    for (const QChar c : text) {
        if (c == u'*' || c == u'?' || c == u'[' || c == u']')
            return invalid(QStringLiteral("moodle_user_id must not contain glob characters (*, ?, [ or ])"));
        if (c < u'0' || c > u'9')
            return invalid(QStringLiteral("moodle_user_id must be a positive integer (digits only)"));
    }
    if (text.front() == u'0')
        return invalid(text.size() == 1 ? QStringLiteral("moodle_user_id must be positive, not 0")
                                        : QStringLiteral("moodle_user_id must not have leading zeros"));
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value > kMaxMoodleUserId)
        return invalid(QStringLiteral("moodle_user_id is too large (at most %1)").arg(kMaxMoodleUserId));
    return value;
}

Result<bool> ReadRequest::parseFlag(const QString &name, const QString &text)
{
    if (text == QLatin1String("true") || text == QLatin1String("1"))
        return true;
    if (text == QLatin1String("false") || text == QLatin1String("0"))
        return false;
    return invalid(QStringLiteral("%1 must be true, false, 1 or 0").arg(name));
}

Result<ReadRequest> ReadRequest::parse(const QString &endpoint, const QList<QPair<QString, QString>> &query)
{
    if (endpoint.isEmpty() || endpoint.size() > kMaxEndpointNameLength || !cachekeys::isValidName(endpoint))
        return makeError(ErrorKind::NotFound, QStringLiteral("unknown endpoint"));

    ReadRequest request;
    request.endpoint = endpoint;
    int userIdCount = 0;
    int forceRefreshCount = 0;
    QString userIdText;
    QString forceRefreshText;
    for (const auto &[name, value] : query) {
        if (name == kMoodleUserId) {
            ++userIdCount;
            userIdText = value;
        } else if (name == kForceRefresh) {
            ++forceRefreshCount;
            forceRefreshText = value;
        }
    }
    if (userIdCount == 0)
        return invalid(QStringLiteral("moodle_user_id is required"));
    if (userIdCount > 1)
        return invalid(QStringLiteral("moodle_user_id must be given once"));
    auto userId = parseMoodleUserId(userIdText);
    if (!userId)
        return userId.error();
    request.moodleUserId = *userId;

    if (forceRefreshCount > 1)
        return invalid(QStringLiteral("force_refresh must be given at most once"));
    if (forceRefreshCount == 1) {
        auto flag = parseFlag(kForceRefresh, forceRefreshText);
        if (!flag)
            return flag.error();
        request.forceRefresh = *flag;
    }
    return request;
}

}  // namespace tiersync
