#include "zoho/zohoparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>
#include <QRegularExpression>

namespace tiersync::zohoparser {

namespace {

Error protocol(QString message)
{
    return makeError(ErrorKind::Protocol, std::move(message));
}

bool looksLikeHtml(const QByteArray &body, const QByteArray &contentType)
{
    if (contentType.toLower().contains("html"))
        return true;
    const QByteArray head = body.left(256).trimmed().toLower();
    return head.startsWith("<!doctype html") || head.startsWith("<html") || head.startsWith("<");
}

// A short, printable excerpt of a body for error messages (never the whole payload).
QString excerpt(const QByteArray &body)
{
    QString text = QString::fromUtf8(body.left(160)).simplified();
    if (body.size() > 160)
        text += QStringLiteral("…");
    return text;
}

QString htmlTitle(const QByteArray &body)
{
    static const QRegularExpression title(QStringLiteral("<title>(.*?)</title>"),
                                          QRegularExpression::CaseInsensitiveOption
                                              | QRegularExpression::DotMatchesEverythingOption);
    const auto match = title.match(QString::fromUtf8(body.left(4096)));
    return match.hasMatch() ? match.captured(1).simplified() : QString();
}

bool acceptableContentType(const QByteArray &contentType)
{
    const QByteArray type = contentType.toLower();
    // Zoho sends application/json;charset=UTF-8; some endpoints have used text/plain.
    return type.isEmpty() || type.contains("json") || type.startsWith("text/plain");
}

QString codeString(const QJsonValue &code)
{
    if (code.isDouble())
        return QString::number(code.toInteger());
    if (code.isString())
        return code.toString();
    return {};
}

Result<QList<QJsonObject>> objectArray(const QJsonObject &json, const QString &key)
{
    const QJsonValue value = json.value(key);
    if (!value.isArray())
        return protocol(QStringLiteral("response has no '%1' array").arg(key));
    const QJsonArray array = value.toArray();
    QList<QJsonObject> records;
    records.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isObject())
            return protocol(QStringLiteral("'%1'[%2] is not an object").arg(key).arg(i));
        records.append(array.at(i).toObject());
    }
    return records;
}

int intField(const QJsonObject &object, const QString &key, int fallback)
{
    const QJsonValue value = object.value(key);
    if (value.isDouble())
        return value.toInt(fallback);
    if (value.isString()) {
        bool ok = false;
        const int parsed = value.toString().toInt(&ok);
        return ok ? parsed : fallback;
    }
    return fallback;
}

}  // namespace

Result<QJsonObject> parseJsonObject(const QByteArray &body, const QByteArray &contentType,
                                    qint64 maxBytes)
{
    if (maxBytes > 0 && body.size() > maxBytes)
        return protocol(QStringLiteral("response of %1 bytes exceeds the %2-byte limit")
                            .arg(body.size())
                            .arg(maxBytes));
    if (body.trimmed().isEmpty())
        return protocol(QStringLiteral("empty response body where JSON was expected"));
    if (looksLikeHtml(body, contentType)) {
        const QString title = htmlTitle(body);
        return protocol(QStringLiteral("Zoho answered an HTML page instead of JSON%1")
                            .arg(title.isEmpty() ? QString() : QStringLiteral(" (\"%1\")").arg(title)));
    }
    if (!acceptableContentType(contentType))
        return protocol(QStringLiteral("unexpected content type '%1' (expected application/json)")
                            .arg(QString::fromLatin1(contentType)));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return protocol(QStringLiteral("malformed JSON (%1 at byte %2 of %3)")
                            .arg(parseError.errorString())
                            .arg(parseError.offset)
                            .arg(body.size()));
    if (!document.isObject())
        return protocol(QStringLiteral("JSON response is not an object"));
    return document.object();
}

Error httpError(int httpStatus, const QByteArray &body, const QByteArray &contentType)
{
    Error error;
    error.httpStatus = httpStatus;
    if (httpStatus == 401 || httpStatus == 403)
        error.kind = ErrorKind::Auth;
    else if (httpStatus == 404 || httpStatus == 410)
        error.kind = ErrorKind::NotFound;
    else if (httpStatus == 408)
        error.kind = ErrorKind::Timeout;
    else if (httpStatus == 409)
        error.kind = ErrorKind::Conflict;
    else if (httpStatus == 429)
        error.kind = ErrorKind::RateLimited;
    else if (httpStatus >= 500)
        error.kind = ErrorKind::Server;
    else if (httpStatus >= 400)
        error.kind = ErrorKind::InvalidArgument;
    else
        error.kind = ErrorKind::Protocol;

    QJsonObject json;
    const QJsonDocument document = QJsonDocument::fromJson(body);
    if (document.isObject())
        json = document.object();

    // CRM write APIs put the error inside data[0]; reads and Books put it at the top.
    if (!json.contains(QLatin1String("code")) && json.value(QLatin1String("data")).isArray()) {
        const QJsonObject first = json.value(QLatin1String("data")).toArray().at(0).toObject();
        if (first.contains(QLatin1String("code")))
            json = first;
    }

    if (!json.isEmpty()) {
        error.code = codeString(json.value(QLatin1String("code")));
        if (error.code.isEmpty())
            error.code = json.value(QLatin1String("error")).toString();
        error.message = json.value(QLatin1String("message")).toString();
        if (error.message.isEmpty())
            error.message = json.value(QLatin1String("error_description")).toString();
    } else if (!body.trimmed().isEmpty()) {
        const QString title = looksLikeHtml(body, contentType) ? htmlTitle(body) : QString();
        error.message = title.isEmpty() ? excerpt(body) : title;
    }

    // The peer's code is more precise than the status (Books may use 400 for a
    // rate limit, CRM 400 for a token problem).
    const QString &code = error.code;
    if (code == QLatin1String("44") || code == QLatin1String("45") || code == QLatin1String("1070")
        || code == QLatin1String("TOO_MANY_REQUESTS"))
        error.kind = ErrorKind::RateLimited;
    else if (code == QLatin1String("1000") || code == QLatin1String("INTERNAL_ERROR"))
        error.kind = ErrorKind::Server;
    else if (code == QLatin1String("INVALID_TOKEN") || code == QLatin1String("AUTHENTICATION_FAILURE")
             || code == QLatin1String("OAUTH_SCOPE_MISMATCH") || code == QLatin1String("NO_PERMISSION"))
        error.kind = ErrorKind::Auth;
    else if (code == QLatin1String("INVALID_DATA") || code == QLatin1String("INVALID_MODULE"))
        error.kind = httpStatus == 404 ? ErrorKind::NotFound : ErrorKind::InvalidArgument;

    if (error.message.isEmpty())
        error.message = QStringLiteral("HTTP %1").arg(httpStatus);
    error.message = QStringLiteral("Zoho: ") + error.message;
    return error;
}

Status checkBooksCode(const QJsonObject &json, int httpStatus)
{
    const QJsonValue code = json.value(QLatin1String("code"));
    if (code.isUndefined())
        return protocol(QStringLiteral("Books response has no 'code'"));
    if (!code.isDouble())
        return protocol(QStringLiteral("Books response 'code' is not a number"));
    if (code.toInteger() == 0)
        return {};
    return httpError(httpStatus >= 400 ? httpStatus : 400,
                     QJsonDocument(json).toJson(QJsonDocument::Compact), "application/json");
}

Result<BooksPage> parseBooksPage(const QJsonObject &json, const QString &entityKey)
{
    if (Status status = checkBooksCode(json); !status)
        return status.error();
    auto records = objectArray(json, entityKey);
    if (!records)
        return protocol(QStringLiteral("Books list: ") + records.error().message);
    const QJsonValue context = json.value(QLatin1String("page_context"));
    if (!context.isObject())
        return protocol(QStringLiteral("Books list has no 'page_context'"));
    const QJsonObject pageContext = context.toObject();
    const QJsonValue more = pageContext.value(QLatin1String("has_more_page"));
    if (!more.isBool())
        return protocol(QStringLiteral("Books list has no boolean 'page_context.has_more_page'"));

    BooksPage page;
    page.records = std::move(records).value();
    page.page = intField(pageContext, QStringLiteral("page"), 0);
    page.perPage = intField(pageContext, QStringLiteral("per_page"), 0);
    page.hasMorePage = more.toBool();
    return page;
}

Result<QJsonObject> parseBooksEntity(const QJsonObject &json, const QString &entityKey)
{
    if (Status status = checkBooksCode(json); !status)
        return status.error();
    const QJsonValue entity = json.value(entityKey);
    if (!entity.isObject())
        return protocol(QStringLiteral("Books response has no '%1' object").arg(entityKey));
    return entity.toObject();
}

Result<CrmPage> parseCrmPage(const QJsonObject &json)
{
    CrmPage page;
    if (json.isEmpty())
        return page;  // 204: no records
    auto records = objectArray(json, QStringLiteral("data"));
    if (!records)
        return protocol(QStringLiteral("CRM list: ") + records.error().message);
    const QJsonValue infoValue = json.value(QLatin1String("info"));
    if (!infoValue.isObject())
        return protocol(QStringLiteral("CRM list has no 'info'"));
    const QJsonObject info = infoValue.toObject();
    const QJsonValue more = info.value(QLatin1String("more_records"));
    if (!more.isBool())
        return protocol(QStringLiteral("CRM list has no boolean 'info.more_records'"));
    const QJsonValue token = info.value(QLatin1String("next_page_token"));
    if (!token.isUndefined() && !token.isNull() && !token.isString())
        return protocol(QStringLiteral("CRM 'info.next_page_token' is not a string"));

    page.records = std::move(records).value();
    page.page = intField(info, QStringLiteral("page"), 0);
    page.perPage = intField(info, QStringLiteral("per_page"), 0);
    page.count = intField(info, QStringLiteral("count"), int(page.records.size()));
    page.moreRecords = more.toBool();
    page.nextPageToken = token.toString();
    return page;
}

Result<CrmPage> parseCrmListAnswer(int httpStatus, const QJsonObject &json)
{
    if (httpStatus == 304) {
        CrmPage page;
        page.notModified = true;
        return page;
    }
    if (httpStatus == 204)
        return CrmPage();
    if (httpStatus != 200)
        return protocol(QStringLiteral("CRM list: unexpected HTTP status %1").arg(httpStatus));
    if (json.isEmpty())
        return protocol(QStringLiteral("CRM list: HTTP 200 without a body"));
    return parseCrmPage(json);
}

Result<CrmDeletedPage> parseCrmDeletedPage(int httpStatus, const QJsonObject &json)
{
    CrmDeletedPage page;
    if (httpStatus == 204 || httpStatus == 304)
        return page;
    if (httpStatus != 200)
        return protocol(QStringLiteral("CRM deleted list: unexpected HTTP status %1").arg(httpStatus));
    auto records = objectArray(json, QStringLiteral("data"));
    if (!records)
        return protocol(QStringLiteral("CRM deleted list: ") + records.error().message);
    const QJsonValue infoValue = json.value(QLatin1String("info"));
    if (!infoValue.isObject())
        return protocol(QStringLiteral("CRM deleted list has no 'info'"));
    const QJsonObject info = infoValue.toObject();
    const QJsonValue more = info.value(QLatin1String("more_records"));
    if (!more.isBool())
        return protocol(QStringLiteral("CRM deleted list has no boolean 'info.more_records'"));
    const QJsonValue token = info.value(QLatin1String("next_page_token"));
    if (!token.isUndefined() && !token.isNull() && !token.isString())
        return protocol(QStringLiteral("CRM deleted list: 'info.next_page_token' is not a string"));

    // \z, not $: "$" also matches before a final newline ("123\n" is no id).
    static const QRegularExpression digits(QStringLiteral("^[0-9]{1,30}\\z"));
    page.records.reserve(records->size());
    for (qsizetype i = 0; i < records->size(); ++i) {
        const QJsonObject &record = records->at(i);
        const QJsonValue idValue = record.value(QLatin1String("id"));
        const QString id = idValue.isString() ? idValue.toString() : QString();
        if (!digits.match(id).hasMatch())
            return protocol(QStringLiteral("CRM deleted list: data[%1] has no 'id' of digits").arg(i));
        const QJsonValue timeValue = record.value(QLatin1String("deleted_time"));
        const QDateTime deleted = timeValue.isString() ? QDateTime::fromString(timeValue.toString(), Qt::ISODate)
                                                       : QDateTime();
        // Zoho always gives an offset; a time without one would be read in local time.
        if (!deleted.isValid() || deleted.timeSpec() == Qt::LocalTime)
            return protocol(QStringLiteral("CRM deleted list: data[%1] has no 'deleted_time' with an offset").arg(i));
        const QJsonValue type = record.value(QLatin1String("type"));
        if (!type.isUndefined() && !type.isNull() && !type.isString())
            return protocol(QStringLiteral("CRM deleted list: data[%1].type is not a string").arg(i));
        page.records.append(CrmDeletedRecord{id, deleted.toUTC(), type.toString()});
    }
    page.page = intField(info, QStringLiteral("page"), 0);
    page.perPage = intField(info, QStringLiteral("per_page"), 0);
    page.moreRecords = more.toBool();
    page.nextPageToken = token.toString();
    return page;
}

Result<QList<QJsonObject>> parseCrmRecords(const QJsonObject &json)
{
    if (json.isEmpty())
        return QList<QJsonObject>();
    auto records = objectArray(json, QStringLiteral("data"));
    if (!records)
        return protocol(QStringLiteral("CRM record: ") + records.error().message);
    return records;
}

bool isOAuthThrottle(const Error &error)
{
    return error.kind == ErrorKind::RateLimited && error.code == kOAuthThrottledCode;
}

Result<OAuthToken> parseOAuthToken(int httpStatus, const QByteArray &body, const QByteArray &contentType)
{
    QJsonObject json;
    const QJsonDocument document = QJsonDocument::fromJson(body);
    if (document.isObject())
        json = document.object();

    const QString errorCode = json.value(QLatin1String("error")).toString();
    const QString description = json.value(QLatin1String("error_description")).toString();
    // Zoho throttles the token endpoint (10 access tokens per refresh token per 10 minutes)
    // with "Access Denied" + "too many requests", as HTTP 200, or 400/429 through proxies:
    // wait out the window, never retry and never re-authorise.
    const bool throttled = errorCode.compare(kOAuthThrottledCode, Qt::CaseInsensitive) == 0
                           || (!errorCode.isEmpty()
                               && description.contains(QLatin1String("too many requests"), Qt::CaseInsensitive));
    if (throttled && httpStatus < 500) {
        Error error;
        error.kind = ErrorKind::RateLimited;
        error.code = QString(kOAuthThrottledCode);
        error.httpStatus = httpStatus;
        error.message = QStringLiteral("Zoho OAuth: token endpoint throttled (%1)")
                            .arg(description.isEmpty() ? errorCode : description);
        return error;
    }
    // A failing accounts server is transient whatever its body says.
    if (httpStatus >= 500 || httpStatus == 429) {
        Error error = httpError(httpStatus, body, contentType);
        error.message = QStringLiteral("Zoho OAuth: ") + error.message;
        return error;
    }
    if (!errorCode.isEmpty()) {
        Error error;
        error.kind = ErrorKind::Auth;
        error.code = errorCode;
        error.httpStatus = httpStatus;
        error.message = QStringLiteral("Zoho OAuth refused the refresh token: %1 "
                                       "(re-authorise the Zoho client)")
                            .arg(errorCode);
        return error;
    }
    if (httpStatus < 200 || httpStatus > 299)
        return httpError(httpStatus, body, contentType);

    auto object = parseJsonObject(body, contentType);
    if (!object)
        return protocol(QStringLiteral("Zoho OAuth: ") + object.error().message);
    const QJsonValue accessToken = object->value(QLatin1String("access_token"));
    if (!accessToken.isString() || accessToken.toString().isEmpty())
        return protocol(QStringLiteral("Zoho OAuth: response has neither 'access_token' nor 'error'"));

    OAuthToken token;
    token.accessToken = Secret(accessToken.toString());
    token.apiDomain = object->value(QLatin1String("api_domain")).toString();
    token.tokenType = object->value(QLatin1String("token_type")).toString();

    // Seconds; beyond a year it is not a lifetime Zoho gives (and would overflow in ms): 0,
    // refused below like a non-positive one.
    constexpr qint64 kMaxLifetimeSeconds = 366LL * 24 * 3600;
    const auto number = [&](const char *key) -> std::optional<qint64> {
        const QJsonValue value = object->value(QLatin1String(key));
        if (value.isDouble()) {
            const double seconds = value.toDouble();
            return seconds > 0 && seconds <= double(kMaxLifetimeSeconds) ? qint64(seconds) : 0;
        }
        if (value.isString()) {
            bool ok = false;
            const qint64 parsed = value.toString().toLongLong(&ok);
            if (ok)
                return parsed > 0 && parsed <= kMaxLifetimeSeconds ? parsed : 0;
        }
        return std::nullopt;
    };
    // Legacy form: expires_in_sec in seconds, and then expires_in is in milliseconds.
    if (const auto seconds = number("expires_in_sec"))
        token.expiresInMs = *seconds * 1000;
    else if (const auto expiresIn = number("expires_in"))
        token.expiresInMs = *expiresIn * 1000;
    else
        return protocol(QStringLiteral("Zoho OAuth: response has no 'expires_in'"));
    if (token.expiresInMs <= 0)
        return protocol(QStringLiteral("Zoho OAuth: token lifetime not between 1 s and a year"));
    return token;
}

}  // namespace tiersync::zohoparser
