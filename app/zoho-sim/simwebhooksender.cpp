#include "simwebhooksender.h"

#include <QUrl>

#include <algorithm>

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace tiersync::sim {

bool SimWebhookSender::isLoopbackUrl(const QString &url)
{
    const QUrl parsed(url, QUrl::StrictMode);
    if (!parsed.isValid() || parsed.scheme() != QLatin1String("http") || !parsed.userInfo().isEmpty())
        return false;
    const QString host = parsed.host();
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0 || host == QLatin1String("::1"))
        return true;
    const QStringList octets = host.split(QLatin1Char('.'));
    if (octets.size() != 4 || octets.first() != QLatin1String("127"))
        return false;
    return std::all_of(octets.begin(), octets.end(), [](const QString &octet) {
        bool ok = false;
        const int value = octet.toInt(&ok);
        return ok && value >= 0 && value <= 255 && octet.size() <= 3;
    });
}

std::string SimWebhookSender::signature(const std::string &secret, const std::string &body)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char *>(body.data()), body.size(), digest, &length);
    static constexpr char hex[] = "0123456789abcdef";
    std::string result;
    result.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        result.push_back(hex[digest[i] >> 4]);
        result.push_back(hex[digest[i] & 0xF]);
    }
    return result;
}

Result<int> SimWebhookSender::post(const QString &url, const std::string &body, const Headers &headers,
                                   int timeoutMs)
{
    if (!isLoopbackUrl(url))
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("webhook URL must be http:// on a loopback address"));
    const QUrl parsed(url);
    const QString host = parsed.host() == QLatin1String("::1") ? QStringLiteral("[::1]") : parsed.host();
    httplib::Client client(QStringLiteral("http://%1:%2").arg(host).arg(parsed.port(80)).toStdString());
    const auto timeout = std::chrono::milliseconds(timeoutMs);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
    httplib::Headers requestHeaders;
    for (const auto &[name, value] : headers)
        requestHeaders.emplace(name, value);
    QString path = parsed.path(QUrl::FullyEncoded);
    if (path.isEmpty())
        path = QStringLiteral("/");
    if (parsed.hasQuery())
        path += QLatin1Char('?') + parsed.query(QUrl::FullyEncoded);
    const auto result = client.Post(path.toStdString(), requestHeaders, body, "application/json");
    if (!result)
        return makeError(ErrorKind::Unavailable, QStringLiteral("webhook delivery failed: %1")
                                                     .arg(QString::fromStdString(httplib::to_string(result.error()))));
    return result->status;
}

}  // namespace tiersync::sim
