#include "core/canonicaljson.h"

#include <QJsonArray>
#include <QVarLengthArray>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tiersync::canonicaljson {

namespace {

// Code points below U+0300 are all NFC-stable (the first character with a canonical
// composition role is the combining grave accent U+0300), so text made only of them
// skips QString::normalized(), which allocates: Zoho's records are nearly all ASCII.
bool mayNeedNormalization(QStringView text)
{
    for (const QChar c : text)
        if (c.unicode() >= 0x300)
            return true;
    return false;
}

constexpr char kHex[] = "0123456789abcdef";

// Writes through a raw pointer into room reserved up front (at most 6 bytes per UTF-16
// unit: "\u00XX"), then trims: a per-character QByteArray::append was the largest
// single cost of hashing.
void appendEscapedUtf8(QStringView text, QByteArray &out)
{
    const qsizetype size = text.size();
    const qsizetype start = out.size();
    out.resize(start + size * 6 + 2);
    char *p = out.data() + start;
    *p++ = '"';
    const char16_t *data = text.utf16();
    for (qsizetype i = 0; i < size; ++i) {
        const char16_t unit = data[i];
        if (unit < 0x80) {
            if (unit >= 0x20 && unit != u'"' && unit != u'\\') {
                *p++ = char(unit);
                continue;
            }
            *p++ = '\\';
            switch (unit) {
            case u'"': *p++ = '"'; break;
            case u'\\': *p++ = '\\'; break;
            case u'\b': *p++ = 'b'; break;
            case u'\f': *p++ = 'f'; break;
            case u'\n': *p++ = 'n'; break;
            case u'\r': *p++ = 'r'; break;
            case u'\t': *p++ = 't'; break;
            default:
                *p++ = 'u';
                *p++ = '0';
                *p++ = '0';
                *p++ = kHex[(unit >> 4) & 0xf];
                *p++ = kHex[unit & 0xf];
            }
            continue;
        }
        char32_t codePoint = unit;
        if (QChar::isHighSurrogate(unit) && i + 1 < size && QChar::isLowSurrogate(data[i + 1])) {
            codePoint = QChar::surrogateToUcs4(unit, data[i + 1]);
            ++i;
        } else if (QChar::isSurrogate(unit)) {
            codePoint = 0xFFFD;
        }
        if (codePoint < 0x800) {
            *p++ = char(0xC0 | (codePoint >> 6));
            *p++ = char(0x80 | (codePoint & 0x3F));
        } else if (codePoint < 0x10000) {
            *p++ = char(0xE0 | (codePoint >> 12));
            *p++ = char(0x80 | ((codePoint >> 6) & 0x3F));
            *p++ = char(0x80 | (codePoint & 0x3F));
        } else {
            *p++ = char(0xF0 | (codePoint >> 18));
            *p++ = char(0x80 | ((codePoint >> 12) & 0x3F));
            *p++ = char(0x80 | ((codePoint >> 6) & 0x3F));
            *p++ = char(0x80 | (codePoint & 0x3F));
        }
    }
    *p++ = '"';
    out.resize(p - out.constData());
}

void appendString(const QString &text, QByteArray &out)
{
    if (mayNeedNormalization(text))
        appendEscapedUtf8(text.normalized(QString::NormalizationForm_C), out);
    else
        appendEscapedUtf8(text, out);
}

QString normalizedKey(const QString &key)
{
    return mayNeedNormalization(key) ? key.normalized(QString::NormalizationForm_C) : key;
}

void appendNumber(const QJsonValue &value, QByteArray &out)
{
    const double number = value.toDouble();
    if (!std::isfinite(number)) {
        out.append("null");
        return;
    }
    char buffer[32];
    std::to_chars_result written;
    // 2^63 itself does not fit a qint64; everything integral below it does.
    if (number == std::trunc(number) && std::fabs(number) < 9223372036854775808.0) {
        // toInteger() keeps an integer the parser stored exactly, beyond 2^53 too.
        qint64 integer = value.toInteger(static_cast<qint64>(number));
        written = std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(integer));
    } else {
        written = std::to_chars(buffer, buffer + sizeof buffer, number);
    }
    out.append(buffer, written.ptr - buffer);
}

void appendValue(const QJsonValue &value, QByteArray &out);

struct Member {
    QString key;       // normalised
    QString original;  // as the object spelled it
    QJsonValue value;
};

void appendMembers(QVarLengthArray<Member, 32> &members, QByteArray &out)
{
    // QJsonObject keeps its keys sorted already; normalisation may (rarely) reorder, and
    // may make two keys one ("M\u0341o" and "\u1e3eo" are both "\u1e3eo" in NFC). A
    // canonical object names each key once, or it would not read back as itself: of the
    // members whose keys are the same text, the one whose own spelling sorts last is
    // kept — a choice made by the content alone, so every spelling gives the same bytes.
    const auto byKey = [](const Member &a, const Member &b) {
        return a.key < b.key || (a.key == b.key && a.original < b.original);
    };
    if (!std::is_sorted(members.begin(), members.end(), byKey))
        std::sort(members.begin(), members.end(), byKey);
    out.append('{');
    bool first = true;
    for (qsizetype i = 0; i < members.size(); ++i) {
        const Member &member = members[i];
        if (i + 1 < members.size() && members[i + 1].key == member.key)
            continue;
        if (!first)
            out.append(',');
        first = false;
        appendEscapedUtf8(member.key, out);
        out.append(':');
        appendValue(member.value, out);
    }
    out.append('}');
}

// The common case first: QJsonObject iterates its keys in sorted order, and Zoho's
// keys are ASCII, so the members can be written as they come, without collecting and
// sorting copies. Should a key need normalisation or come out of order, what was
// written is dropped and the general path below runs instead.
bool appendObjectInOrder(const QJsonObject &object, const QStringList *excluded, QByteArray &out)
{
    const qsizetype start = out.size();
    out.append('{');
    bool havePrevious = false;
    QString previous;
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        const QString key = it.key();
        if (mayNeedNormalization(key) || (havePrevious && !(previous < key))) {
            out.truncate(start);
            return false;
        }
        previous = key;
        havePrevious = true;
        if (excluded && excluded->contains(key))
            continue;
        if (out.size() > start + 1)
            out.append(',');
        appendEscapedUtf8(key, out);
        out.append(':');
        appendValue(it.value(), out);
    }
    out.append('}');
    return true;
}

void appendObjectExcluding(const QJsonObject &object, const QStringList *excluded, QByteArray &out)
{
    if (appendObjectInOrder(object, excluded, out))
        return;
    QVarLengthArray<Member, 32> members;
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        const QString key = it.key();
        if (excluded && excluded->contains(key))
            continue;
        members.append(Member{normalizedKey(key), key, it.value()});
    }
    appendMembers(members, out);
}

void appendValue(const QJsonValue &value, QByteArray &out)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out.append("null");
        return;
    case QJsonValue::Bool:
        out.append(value.toBool() ? "true" : "false");
        return;
    case QJsonValue::Double:
        appendNumber(value, out);
        return;
    case QJsonValue::String:
        appendString(value.toString(), out);
        return;
    case QJsonValue::Array: {
        const QJsonArray array = value.toArray();
        out.append('[');
        bool first = true;
        for (const QJsonValue &item : array) {
            if (!first)
                out.append(',');
            first = false;
            appendValue(item, out);
        }
        out.append(']');
        return;
    }
    case QJsonValue::Object:
        appendObjectExcluding(value.toObject(), nullptr, out);
        return;
    }
}

}  // namespace

void append(const QJsonValue &value, QByteArray &out)
{
    appendValue(value, out);
}

void appendObject(const QJsonObject &object, const QStringList &excluded, QByteArray &out)
{
    appendObjectExcluding(object, excluded.isEmpty() ? nullptr : &excluded, out);
}

QByteArray serialize(const QJsonValue &value)
{
    QByteArray out;
    appendValue(value, out);
    return out;
}

QByteArray serialize(const QJsonObject &object, const QStringList &excluded)
{
    QByteArray out;
    appendObject(object, excluded, out);
    return out;
}

}  // namespace tiersync::canonicaljson
