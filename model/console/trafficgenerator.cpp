#include "console/trafficgenerator.h"

#include "core/logging.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrlQuery>

#include <algorithm>
#include <cmath>

namespace tiersync {

TrafficGenerator::TrafficGenerator(QObject *parent) : TrafficGenerator(Options{}, parent) {}

TrafficGenerator::TrafficGenerator(Options options, QObject *parent)
    : QObject(parent), m_options(options), m_random(20261121)
{
    m_options.students = std::max(1, m_options.students);
    m_options.requestsPerSecond = std::clamp(m_options.requestsPerSecond, 1, 1000);
    m_options.maxInFlight = std::max(1, m_options.maxInFlight);
    m_cdf.reserve(size_t(m_options.students));
    double total = 0;
    for (int rank = 1; rank <= m_options.students; ++rank) {
        total += std::pow(double(rank), -m_options.zipfExponent);
        m_cdf.push_back(total);
    }
    for (double &p : m_cdf)
        p /= total;
}

TrafficGenerator::~TrafficGenerator() = default;

int TrafficGenerator::studentFor(double u) const
{
    const auto it = std::upper_bound(m_cdf.begin(), m_cdf.end(), u);
    return int(std::min<std::ptrdiff_t>(it - m_cdf.begin(), std::ptrdiff_t(m_cdf.size()) - 1)) + 1;
}

void TrafficGenerator::start(const QString &baseUrl, const QStringList &endpoints, const Secret &apiKey)
{
    // Created here, on the worker's thread, so their events run there.
    if (!m_network) {
        m_network = new QNetworkAccessManager(this);
        m_timer = new QTimer(this);
        m_timer->setTimerType(Qt::PreciseTimer);
        connect(m_timer, &QTimer::timeout, this, &TrafficGenerator::sendOne);
    }
    m_base = QUrl(baseUrl);
    m_endpoints = endpoints;
    m_authorization = apiKey.isEmpty() ? QByteArray() : "Bearer " + apiKey.reveal().toLatin1();
    if (m_endpoints.isEmpty() || !m_base.isValid()) {
        qCWarning(lcHttp).noquote() << "traffic generator: nothing to read at" << baseUrl;
        return;
    }
    m_timer->start(std::max(1, 1000 / m_options.requestsPerSecond));
    qCInfo(lcHttp).noquote() << "traffic generator:" << m_options.requestsPerSecond << "requests/s to" << baseUrl;
}

void TrafficGenerator::stop()
{
    if (m_timer)
        m_timer->stop();
}

void TrafficGenerator::sendOne()
{
    if (m_inFlight >= m_options.maxInFlight)
        return;  // Zoho is slow right now: skip a beat rather than queue
    const QString endpoint = m_endpoints.at(int(m_random.bounded(quint32(m_endpoints.size()))));
    QUrl url = m_base;
    url.setPath(QStringLiteral("/api/v1/extension/students/") + endpoint);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("moodle_user_id"), QString::number(studentFor(m_random.generateDouble())));
    if (m_random.generateDouble() < m_options.forceRefreshShare)
        query.addQueryItem(QStringLiteral("force_refresh"), QStringLiteral("true"));
    url.setQuery(query);
    QNetworkRequest request(url);
    if (!m_authorization.isEmpty())
        request.setRawHeader("Authorization", m_authorization);
    QNetworkReply *reply = m_network->get(request);
    ++m_inFlight;
    ++m_sent;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        --m_inFlight;
        // A 503 (Zoho down, never cached) is an answer too; transport errors and refusals
        // of the key fail.
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0 || status == 401 || status == 403 || status == 429)
            ++m_failed;
        else
            ++m_answered;
        reply->deleteLater();
        if ((m_answered + m_failed) % 100 == 0)
            Q_EMIT progress(m_sent, m_answered, m_failed);
    });
}

}  // namespace tiersync
