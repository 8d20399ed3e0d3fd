#include "cache/rawcachedentry.h"

#include "cache/cachedentry.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstring>

namespace tiersync {

namespace {

constexpr char kPrefix[] = "{\"v\":2,\"fetched_at_ms\":";

Error corrupt(const QString &why)
{
    return makeError(ErrorKind::Protocol, QStringLiteral("cached value is corrupt: %1").arg(why));
}

// A cursor over the fixed layout; every step fails (returns false) on anything else.
class LayoutReader final {
public:
    LayoutReader(const char *data, qsizetype size)
        : m_at(data), m_end(data + size)
    {
    }

    bool literal(const char *text)
    {
        const auto length = qsizetype(std::strlen(text));
        if (m_end - m_at < length || std::memcmp(m_at, text, size_t(length)) != 0)
            return false;
        m_at += length;
        return true;
    }

    // Non-negative decimal, at most 18 digits (no overflow).
    bool number(qint64 *out)
    {
        qint64 value = 0;
        int digits = 0;
        while (m_at < m_end && *m_at >= '0' && *m_at <= '9' && digits < 18) {
            value = value * 10 + (*m_at - '0');
            ++m_at;
            ++digits;
        }
        *out = value;
        return digits > 0 && (m_at == m_end || *m_at < '0' || *m_at > '9');
    }

    bool hex64(quint64 *out)
    {
        if (m_end - m_at < 16)
            return false;
        quint64 value = 0;
        for (int i = 0; i < 16; ++i, ++m_at) {
            const char c = *m_at;
            int digit = 0;
            if (c >= '0' && c <= '9')
                digit = c - '0';
            else if (c >= 'a' && c <= 'f')
                digit = c - 'a' + 10;
            else
                return false;
            value = (value << 4) | quint64(digit);
        }
        *out = value;
        return true;
    }

    [[nodiscard]] const char *at() const { return m_at; }

private:
    const char *m_at;
    const char *m_end;
};

}  // namespace

quint64 RawCachedEntry::fnv1a64(const char *data, qsizetype size)
{
    quint64 hash = 14695981039346656037ULL;
    for (qsizetype i = 0; i < size; ++i) {
        hash ^= quint8(data[i]);
        hash *= 1099511628211ULL;
    }
    return hash;
}

bool RawCachedEntry::looksLikeData(const QByteArray &json)
{
    if (json.size() < 2)
        return false;
    const char first = json.front();
    const char last = json.back();
    return (first == '{' && last == '}') || (first == '[' && last == ']') || json == "null";
}

QByteArray RawCachedEntry::encode() const
{
    QByteArray out;
    out.reserve(dataJson.size() + 160);
    out += kPrefix;
    out += QByteArray::number(fetchedAtMs);
    out += ",\"stored_at_ms\":";
    out += QByteArray::number(storedAtMs);
    out += ",\"ttl_s\":";
    out += QByteArray::number(ttlSeconds);
    out += ",\"cost_ms\":";
    out += QByteArray::number(costMs);
    out += ",\"data_fnv\":\"";
    out += QByteArray::number(fnv1a64(dataJson.constData(), dataJson.size()), 16).rightJustified(16, '0');
    out += "\",\"data\":";
    out += dataJson;
    out += '}';
    return out;
}

Result<RawCachedEntry> RawCachedEntry::decode(const QByteArray &bytes)
{
    LayoutReader reader(bytes.constData(), bytes.size());
    if (reader.literal(kPrefix)) {
        RawCachedEntry entry;
        quint64 hash = 0;
        if (!reader.number(&entry.fetchedAtMs) || !reader.literal(",\"stored_at_ms\":")
            || !reader.number(&entry.storedAtMs) || !reader.literal(",\"ttl_s\":") || !reader.number(&entry.ttlSeconds)
            || !reader.literal(",\"cost_ms\":") || !reader.number(&entry.costMs) || !reader.literal(",\"data_fnv\":\"")
            || !reader.hex64(&hash) || !reader.literal("\",\"data\":"))
            return corrupt(QStringLiteral("bad header"));
        const qsizetype begin = reader.at() - bytes.constData();
        const qsizetype length = bytes.size() - begin - 1;
        if (length < 2 || bytes.back() != '}')
            return corrupt(QStringLiteral("truncated"));
        entry.dataJson = bytes.mid(begin, length);
        if (fnv1a64(entry.dataJson.constData(), entry.dataJson.size()) != hash || !looksLikeData(entry.dataJson))
            return corrupt(QStringLiteral("data does not match its hash"));
        return entry;
    }
    // The older layout (or another field order): a full parse.
    const QJsonDocument document = QJsonDocument::fromJson(bytes);
    if (!document.isObject())
        return corrupt(QStringLiteral("not a JSON object"));
    const QJsonObject object = document.object();
    if (!object.contains(QStringLiteral("data")))
        return corrupt(QStringLiteral("no \"data\""));
    const QJsonValue data = object.value(QStringLiteral("data"));
    if (!data.isObject() && !data.isArray() && !data.isNull())
        return corrupt(QStringLiteral("\"data\" is neither object, array nor null"));
    RawCachedEntry entry;
    const auto number = [&](const char *key, qint64 *out) {
        const QJsonValue value = object.value(QLatin1String(key));
        if (!value.isDouble() || value.toDouble() < 0)
            return false;
        *out = qint64(value.toDouble());
        return true;
    };
    if (!number("fetched_at_ms", &entry.fetchedAtMs) || !number("stored_at_ms", &entry.storedAtMs)
        || !number("ttl_s", &entry.ttlSeconds) || !number("cost_ms", &entry.costMs))
        return corrupt(QStringLiteral("missing or bad timestamps"));
    entry.dataJson = CachedEntry::dataToJson(data);
    return entry;
}

}  // namespace tiersync
