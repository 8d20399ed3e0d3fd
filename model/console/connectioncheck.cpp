#include "console/connectioncheck.h"

#include <QCoreApplication>

namespace tiersync {

QString ConnectionCheck::serviceName(Service service)
{
    switch (service) {
    case Service::Redis:
        return QStringLiteral("Redis");
    case Service::Postgres:
        return QStringLiteral("PostgreSQL");
    case Service::Zoho:
        return QStringLiteral("Zoho");
    }
    return {};
}

QString describeForAdmin(ConnectionCheck::Service service, const Error &error)
{
    const QString name = ConnectionCheck::serviceName(service);
    QString advice;
    switch (error.kind) {
    case ErrorKind::Unavailable:
        advice = QStringLiteral("Cannot reach %1. Is it running, and are the host and port right?").arg(name);
        break;
    case ErrorKind::Timeout:
        advice = QStringLiteral("%1 did not answer in time. The server may be overloaded or a firewall may be "
                                "dropping the connection.").arg(name);
        break;
    case ErrorKind::Auth:
        advice = service == ConnectionCheck::Service::Zoho
                     ? QStringLiteral("Zoho rejected the credentials. Check the client id, client secret and "
                                      "refresh token (the token may have been revoked).")
                     : QStringLiteral("%1 rejected the password or user name.").arg(name);
        break;
    case ErrorKind::RateLimited:
        advice = QStringLiteral("%1 is limiting requests right now; try again in a minute.").arg(name);
        break;
    case ErrorKind::CircuitOpen:
        advice = QStringLiteral("Calls to %1 are paused after repeated failures; they resume automatically.")
                     .arg(name);
        break;
    case ErrorKind::InvalidArgument:
        advice = QStringLiteral("%1 refused the request.").arg(name);
        break;
    case ErrorKind::NotFound:
        advice = QStringLiteral("%1 does not know what was asked for.").arg(name);
        break;
    case ErrorKind::Cancelled:
        advice = QStringLiteral("The request to %1 was cancelled.").arg(name);
        break;
    default:
        advice = QStringLiteral("%1 reported a problem.").arg(name);
        break;
    }
    if (error.message.isEmpty())
        return advice;
    return advice + QStringLiteral(" (") + error.message + QLatin1Char(')');
}

}  // namespace tiersync
