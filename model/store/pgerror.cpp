#include "store/pgerror.h"

#include "core/secret.h"

#include <pqxx/except>

namespace tiersync {

namespace {

constexpr int kMaxMessageChars = 300;

QString primaryLine(const char *what)
{
    QString text = QString::fromUtf8(what).trimmed();
    const qsizetype newline = text.indexOf(QLatin1Char('\n'));
    if (newline >= 0)
        text.truncate(newline);
    if (text.startsWith(QLatin1String("ERROR:")))
        text = text.mid(6).trimmed();
    else if (text.startsWith(QLatin1String("FATAL:")))
        text = text.mid(6).trimmed();
    if (text.size() > kMaxMessageChars)
        text = text.left(kMaxMessageChars) + QStringLiteral("…");
    return text;
}

ErrorKind kindForSqlState(const std::string &state)
{
    if (state.size() != 5)
        return ErrorKind::Internal;
    if (state == "23505" || state == "40P01" || state == "40001" || state == "55P03")
        return ErrorKind::Conflict;
    if (state == "57014")
        return ErrorKind::Timeout;
    const std::string cls = state.substr(0, 2);
    if (cls == "22" || cls == "23")
        return ErrorKind::InvalidArgument;
    if (cls == "08" || state == "57P01" || state == "57P02" || state == "57P03"
        || state == "53300")
        return ErrorKind::Unavailable;
    if (cls == "28")
        return ErrorKind::Auth;
    return ErrorKind::Internal;
}

ErrorKind kindForConnectFailure(const QString &message)
{
    if (message.contains(QLatin1String("authentication failed"))
        || message.contains(QLatin1String("no password supplied")))
        return ErrorKind::Auth;
    if (message.contains(QLatin1String("invalid connection option"))
        || message.contains(QLatin1String("for connection option"))
        || message.contains(QLatin1String("missing \"=\""))
        || message.contains(QLatin1String("invalid URI")))
        return ErrorKind::InvalidArgument;
    return ErrorKind::Unavailable;
}

}  // namespace

bool pgIsConnectionLoss(const std::exception &exception)
{
    if (dynamic_cast<const pqxx::broken_connection *>(&exception)
        || dynamic_cast<const pqxx::in_doubt_error *>(&exception)
        || dynamic_cast<const pqxx::statement_completion_unknown *>(&exception))
        return true;
    if (const auto *sql = dynamic_cast<const pqxx::sql_error *>(&exception))
        return kindForSqlState(sql->sqlstate()) == ErrorKind::Unavailable;
    return false;
}

Error pgErrorFromException(const std::exception &exception, const QString &context,
                           const Secret &password)
{
    QString message = primaryLine(exception.what());
    // (A one- or two-character password would garble every message and reveal little.)
    if (password.reveal().size() >= 3)
        message.replace(password.reveal(), password.masked());

    ErrorKind kind = ErrorKind::Internal;
    QString code;
    if (dynamic_cast<const pqxx::in_doubt_error *>(&exception)
        || dynamic_cast<const pqxx::statement_completion_unknown *>(&exception)) {
        kind = ErrorKind::Unavailable;
        message = QStringLiteral("connection lost while committing, outcome unknown: ") + message;
    } else if (dynamic_cast<const pqxx::broken_connection *>(&exception)) {
        kind = kindForConnectFailure(message);
    } else if (const auto *sql = dynamic_cast<const pqxx::sql_error *>(&exception)) {
        code = QString::fromStdString(sql->sqlstate());
        kind = kindForSqlState(sql->sqlstate());
    } else if (dynamic_cast<const pqxx::deadlock_detected *>(&exception)
               || dynamic_cast<const pqxx::serialization_failure *>(&exception)) {
        kind = ErrorKind::Conflict;
    } else if (dynamic_cast<const pqxx::conversion_error *>(&exception)
               || dynamic_cast<const pqxx::argument_error *>(&exception)) {
        kind = ErrorKind::InvalidArgument;
    }
    if (message.isEmpty())
        message = QStringLiteral("unknown PostgreSQL error");
    Error error = makeError(kind, context.isEmpty() ? message : context + QStringLiteral(": ") + message);
    error.code = code;
    return error;
}

}  // namespace tiersync
