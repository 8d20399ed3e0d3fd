#include "zoho/zohonetworkerror.h"

namespace tiersync {

Error zohoNetworkError(QNetworkReply::NetworkError code, const QString &detail, bool timedOut,
                       qint64 timeoutMs)
{
    if (timedOut || code == QNetworkReply::TimeoutError)
        return makeError(ErrorKind::Timeout,
                         QStringLiteral("Zoho did not answer within %1 ms").arg(timeoutMs));
    QString what;
    switch (code) {
    case QNetworkReply::ConnectionRefusedError: what = QStringLiteral("connection refused"); break;
    case QNetworkReply::RemoteHostClosedError: what = QStringLiteral("connection closed by Zoho"); break;
    case QNetworkReply::HostNotFoundError: what = QStringLiteral("host not found"); break;
    case QNetworkReply::SslHandshakeFailedError: what = QStringLiteral("TLS handshake failed"); break;
    default: what = QStringLiteral("network error"); break;
    }
    Error error = makeError(ErrorKind::Unavailable, QStringLiteral("%1: %2").arg(what, detail));
    error.code = QString::number(int(code));
    return error;
}

}  // namespace tiersync
