#include "store/pgvalues.h"

#include <pqxx/pqxx>

namespace tiersync {

std::string toPgTextArray(const QStringList &values)
{
    std::string literal;
    literal.reserve(static_cast<size_t>(values.size()) * 24 + 2);
    literal += '{';
    bool first = true;
    for (const QString &value : values) {
        if (!first)
            literal += ',';
        first = false;
        literal += '"';
        for (const char c : value.toStdString()) {
            if (c == '"' || c == '\\')
                literal += '\\';
            literal += c;
        }
        literal += '"';
    }
    literal += '}';
    return literal;
}

QStringList fromPgTextArray(const std::string &literal)
{
    QStringList values;
    if (literal.size() < 2 || literal.front() != '{' || literal.back() != '}')
        return values;
    std::string current;
    bool quoted = false;
    bool wasQuoted = false;
    bool any = false;
    auto finish = [&] {
        if (!wasQuoted && current == "NULL")
            current.clear();
        values << QString::fromStdString(current);
        current.clear();
        wasQuoted = false;
    };
    for (size_t i = 1; i + 1 < literal.size(); ++i) {
        const char c = literal[i];
        any = true;
        if (quoted) {
            if (c == '\\' && i + 2 < literal.size()) {
                current += literal[++i];
            } else if (c == '"') {
                quoted = false;
            } else {
                current += c;
            }
        } else if (c == '"') {
            quoted = true;
            wasQuoted = true;
        } else if (c == ',') {
            finish();
        } else {
            current += c;
        }
    }
    if (any)
        finish();
    return values;
}

std::optional<std::string> toPgTimestamp(const QDateTime &time)
{
    if (!time.isValid())
        return std::nullopt;
    return time.toUTC().toString(Qt::ISODateWithMs).toStdString();
}

QDateTime fromPgEpochMs(const std::optional<long long> &epochMs)
{
    if (!epochMs)
        return {};
    return QDateTime::fromMSecsSinceEpoch(*epochMs, Qt::UTC);
}

QDateTime fromPgEpochMs(const pqxx::field &field)
{
    if (field.is_null())
        return {};
    return QDateTime::fromMSecsSinceEpoch(field.as<long long>(), Qt::UTC);
}

QString fromPgText(const pqxx::field &field)
{
    if (field.is_null())
        return {};
    return QString::fromUtf8(field.c_str(), static_cast<qsizetype>(field.size()));
}

std::string pgEpochMs(const std::string &column)
{
    return "(extract(epoch from " + column + ") * 1000)::bigint";
}

}  // namespace tiersync
