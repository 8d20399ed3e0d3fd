// Webhook deliveries (model/webhook): CRM notifications (CrmNotification, with their
// affected_values kept strictly), Books bodies
// (core/jsonfile.h parseJsonObject, as WebhookProcessor reads them) and their signatures and
// tokens (WebhookVerifier). Input: "<secret>\n<signature or token>\n<body>".
#include "cache/cachekeys.h"
#include "core/jsonfile.h"
#include "fuzzcheck.h"
#include "webhook/crmnotification.h"
#include "webhook/webhookverifier.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

#include <algorithm>

using namespace tiersync;

namespace {

// affected_values: only objects for named records are kept, each record at most once, and
// every entry of the array is either kept or counted as ignored.
void checkAffectedValues(const QByteArray &body, const CrmNotification &notification)
{
    FUZZ_CHECK(notification.ignoredAffectedValues >= 0);
    for (auto it = notification.affectedValues.cbegin(); it != notification.affectedValues.cend(); ++it) {
        FUZZ_CHECK(!it.key().isEmpty());
        FUZZ_CHECK(notification.ids.contains(it.key()));
    }
    auto object = parseJsonObject(body);
    FUZZ_CHECK(object.ok());
    const QJsonValue raw = object->value(QLatin1String("affected_values"));
    if (raw.isUndefined() || raw.isNull())
        FUZZ_CHECK(notification.affectedValues.isEmpty() && notification.ignoredAffectedValues == 0);
    else if (!raw.isArray())
        FUZZ_CHECK(notification.affectedValues.isEmpty() && notification.ignoredAffectedValues == 1);
    else
        FUZZ_CHECK(notification.affectedValues.size() + notification.ignoredAffectedValues == raw.toArray().size());
    // server_time is a time only when it is plain digits.
    const qint64 ms = notification.serverTimeMs();
    FUZZ_CHECK(ms >= -1);
    if (ms >= 0)
        FUZZ_CHECK(QString::number(ms) == notification.serverTime || notification.serverTime.startsWith(QLatin1Char('0')));
}

void checkNotification(const QByteArray &body)
{
    auto notification = CrmNotification::parse(body);
    if (!notification) {
        FUZZ_CHECK(notification.error().kind == ErrorKind::InvalidArgument);
        // Error messages never echo the input.
        if (body.trimmed().size() >= 8)
            FUZZ_CHECK(!notification.error().message.contains(QString::fromUtf8(body.trimmed())));
        return;
    }
    // An id the processor accepts is [A-Za-z0-9_-]{1,64} and nothing else: it becomes part of
    // a Zoho URL, a Redis key and a PostgreSQL row.
    for (const QString &id : std::as_const(notification->ids)) {
        if (cachekeys::isValidZohoId(id)) {
            FUZZ_CHECK(!id.isEmpty() && id.size() <= 64);
            FUZZ_CHECK(std::all_of(id.cbegin(), id.cend(), [](QChar c) {
                return (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'_'
                    || c == u'-';
            }));
        }
    }
    QStringList distinct = notification->ids;
    distinct.removeDuplicates();
    const QString key = notification->idempotencyKey(distinct);
    FUZZ_CHECK(key.startsWith(QLatin1String("crm:")));
    // The same notification delivered again, its ids in any order, gives the same key.
    std::reverse(distinct.begin(), distinct.end());
    FUZZ_CHECK(notification->idempotencyKey(distinct) == key);
    auto again = CrmNotification::parse(body);
    FUZZ_CHECK(again.ok() && again->idempotencyKey(distinct) == key);
    FUZZ_CHECK(again->ids == notification->ids);
    FUZZ_CHECK(again->affectedValues == notification->affectedValues);
    FUZZ_CHECK(again->ignoredAffectedValues == notification->ignoredAffectedValues);
    checkAffectedValues(body, *notification);
    if (!notification->hasToken)
        FUZZ_CHECK(notification->token.isEmpty());
}

void checkSignature(const QByteArray &secret, const QByteArray &signature, const QByteArray &body)
{
    // What Zoho sends verifies, in every spelling the verifier accepts.
    const QByteArray mac = WebhookVerifier::hmacSha256(secret, body);
    FUZZ_CHECK(mac.size() == 32);
    if (!secret.isEmpty()) {
        FUZZ_CHECK(WebhookVerifier::signatureMatches(secret, body, mac.toHex()));
        FUZZ_CHECK(WebhookVerifier::signatureMatches(secret, body, " " + mac.toHex().toUpper() + "\r\n"));
        FUZZ_CHECK(WebhookVerifier::signatureMatches(secret, body, mac.toBase64()));
        FUZZ_CHECK(WebhookVerifier::signatureMatches(
            secret, body, mac.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)));
        // One more byte signed is another signature.
        FUZZ_CHECK(!WebhookVerifier::signatureMatches(secret, body + 'x', mac.toHex()));
    }
    // A given signature matches only when it spells that MAC.
    if (WebhookVerifier::signatureMatches(secret, body, signature)) {
        const QByteArray text = signature.trimmed();
        FUZZ_CHECK(!secret.isEmpty());
        FUZZ_CHECK(QByteArray::fromHex(text) == mac || QByteArray::fromBase64(text) == mac
                   || QByteArray::fromBase64(text, QByteArray::Base64UrlEncoding) == mac);
    }
    // Tokens: equal and not empty, nothing else.
    FUZZ_CHECK(WebhookVerifier::tokenMatches(secret, signature) == (!secret.isEmpty() && secret == signature));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QList<QByteArray> parts = fuzz::split(fuzz::bytes(data, size), 3);
    const QByteArray &body = parts.at(2);
    checkNotification(body);
    checkSignature(parts.at(0), parts.at(1), body);
    if (auto books = parseJsonObject(body); !books)
        FUZZ_CHECK(!books.error().message.isEmpty());
    return 0;
}
