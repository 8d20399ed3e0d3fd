#include "budget/tokenrecord.h"

#include <QList>

#include <cctype>
#include <optional>

namespace tiersync {

namespace {

constexpr auto kBase64Url = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;

Error badRecord(const QString &why)
{
    return makeError(ErrorKind::Protocol, QStringLiteral("shared token record: %1").arg(why));
}

std::optional<qint64> parseMs(const QByteArray &field)
{
    bool ok = false;
    const qint64 value = field.toLongLong(&ok);
    if (!ok || value < 0 || field.isEmpty() || !std::isdigit(static_cast<unsigned char>(field.front())))
        return std::nullopt;
    return value;
}

std::optional<QByteArray> fromBase64Url(const QByteArray &field)
{
    auto decoded = QByteArray::fromBase64Encoding(field, kBase64Url | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return *decoded;
}

// v1, expires, refreshed, by: the first four fields of a record.
Result<TokenRecord> parseHeaderFields(const QList<QByteArray> &fields)
{
    if (fields.at(0) != "v1")
        return badRecord(QStringLiteral("unknown version"));
    const auto expiresAt = parseMs(fields.at(1));
    const auto refreshedAt = parseMs(fields.at(2));
    const auto by = fromBase64Url(fields.at(3));
    if (!expiresAt || !refreshedAt)
        return badRecord(QStringLiteral("times are not epoch milliseconds"));
    if (!by)
        return badRecord(QStringLiteral("not base64url"));
    TokenRecord parsed;
    parsed.expiresAtMs = *expiresAt;
    parsed.refreshedAtMs = *refreshedAt;
    parsed.refreshedBy = QString::fromUtf8(*by);
    return parsed;
}

}  // namespace

QByteArray TokenRecord::header() const
{
    return QByteArrayLiteral("v1.") + QByteArray::number(expiresAtMs) + '.' + QByteArray::number(refreshedAtMs) + '.'
           + refreshedBy.toUtf8().toBase64(kBase64Url);
}

QByteArray TokenRecord::encode() const
{
    return header() + '.' + sealed.toBase64(kBase64Url);
}

Result<TokenRecord> TokenRecord::parse(const QByteArray &record)
{
    const QList<QByteArray> fields = record.split('.');
    if (fields.size() != 5)
        return badRecord(QStringLiteral("expected 5 fields, found %1").arg(fields.size()));
    auto parsed = parseHeaderFields(fields);
    if (!parsed)
        return parsed;
    const auto sealed = fromBase64Url(fields.at(4));
    if (!sealed || sealed->isEmpty())
        return badRecord(QStringLiteral("not base64url"));
    parsed->sealed = *sealed;
    return parsed;
}

Result<TokenRecord> TokenRecord::parseHeader(const QByteArray &header)
{
    const QList<QByteArray> fields = header.split('.');
    if (fields.size() != 4)
        return badRecord(QStringLiteral("expected a 4-field header, found %1 fields").arg(fields.size()));
    return parseHeaderFields(fields);
}

QByteArray TokenRecord::additionalData(const QByteArray &key, const QByteArray &header)
{
    return key + '\n' + header;
}

}  // namespace tiersync
