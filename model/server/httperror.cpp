#include "server/httperror.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace tiersync {

QByteArray HttpError::toJson() const
{
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), code}, {QStringLiteral("detail"), detail}})
        .toJson(QJsonDocument::Compact);
}

HttpError HttpError::badRequest(const QString &detail)
{
    return {400, QStringLiteral("bad_request"), detail, 0};
}

HttpError HttpError::notFound(const QString &detail)
{
    return {404, QStringLiteral("not_found"), detail, 0};
}

HttpError HttpError::methodNotAllowed()
{
    return {405, QStringLiteral("method_not_allowed"), QStringLiteral("only GET and HEAD are allowed here"), 0};
}

HttpError HttpError::internal()
{
    return {500, QStringLiteral("internal_error"), QStringLiteral("internal error; see the server log"), 0};
}

HttpError HttpError::unauthorized(const QString &detail, bool keyGiven)
{
    HttpError error{401, QStringLiteral("unauthorized"), detail, 0};
    error.challenge = keyGiven ? QStringLiteral("Bearer realm=\"tiersync\", error=\"invalid_token\"")
                               : QStringLiteral("Bearer realm=\"tiersync\"");
    return error;
}

HttpError HttpError::forbidden(const QString &scope)
{
    HttpError error{403, QStringLiteral("forbidden"),
                    QStringLiteral("this API key does not have the '%1' scope").arg(scope), 0};
    error.challenge = QStringLiteral("Bearer realm=\"tiersync\", error=\"insufficient_scope\", scope=\"%1\"").arg(scope);
    return error;
}

HttpError HttpError::rateLimited(int retryAfterSeconds)
{
    return {429, QStringLiteral("rate_limited"),
            QStringLiteral("too many requests with this API key; try again later"), retryAfterSeconds};
}

HttpError HttpError::fromValidation(const Error &error)
{
    if (error.kind == ErrorKind::NotFound)
        return notFound(error.message);
    return badRequest(error.message);
}

HttpError HttpError::fromBackend(const Error &error)
{
    switch (error.kind) {
    case ErrorKind::InvalidArgument:
        return badRequest(QStringLiteral("the request was rejected as invalid"));
    case ErrorKind::NotFound:
        return notFound(QStringLiteral("no such record"));
    case ErrorKind::CircuitOpen:
        return {503, QStringLiteral("unavailable"),
                QStringLiteral("not cached yet and Zoho is failing (circuit open); try again later"), 30};
    case ErrorKind::RateLimited:
        return {503, QStringLiteral("unavailable"),
                QStringLiteral("not cached yet and Zoho is rate limiting us; try again later"), 10};
    case ErrorKind::Timeout:
        return {503, QStringLiteral("unavailable"),
                QStringLiteral("not cached yet and Zoho did not answer in time; try again later"), 5};
    case ErrorKind::Unavailable:
        return {503, QStringLiteral("unavailable"),
                QStringLiteral("not cached yet and the upstream service is unavailable; try again later"), 5};
    default:
        return internal();
    }
}

}  // namespace tiersync
