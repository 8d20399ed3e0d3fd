#include "core/error.h"

namespace tiersync {

QString errorKindName(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::None: return QStringLiteral("none");
    case ErrorKind::InvalidArgument: return QStringLiteral("invalid_argument");
    case ErrorKind::NotFound: return QStringLiteral("not_found");
    case ErrorKind::Unavailable: return QStringLiteral("unavailable");
    case ErrorKind::Timeout: return QStringLiteral("timeout");
    case ErrorKind::Protocol: return QStringLiteral("protocol");
    case ErrorKind::Auth: return QStringLiteral("auth");
    case ErrorKind::RateLimited: return QStringLiteral("rate_limited");
    case ErrorKind::Server: return QStringLiteral("server");
    case ErrorKind::CircuitOpen: return QStringLiteral("circuit_open");
    case ErrorKind::Cancelled: return QStringLiteral("cancelled");
    case ErrorKind::Conflict: return QStringLiteral("conflict");
    case ErrorKind::Internal: return QStringLiteral("internal");
    }
    return QStringLiteral("unknown");
}

QString Error::toString() const
{
    QString text = errorKindName(kind) + QStringLiteral(": ") + message;
    if (httpStatus != 0)
        text += QStringLiteral(" (HTTP %1)").arg(httpStatus);
    if (!code.isEmpty())
        text += QStringLiteral(" [%1]").arg(code);
    return text;
}

Error makeError(ErrorKind kind, QString message)
{
    return Error{kind, std::move(message), 0, {}};
}

}  // namespace tiersync
