#pragma once

#include "core/secret.h"

#include <QObject>
#include <QRandomGenerator>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <vector>

class QNetworkAccessManager;
class QTimer;

namespace tiersync {

// A small, steady dashboard load for a demo or a screenshot: GETs of random endpoints
// for students drawn from a Zipf distribution (a few hot students, a long tail), with
// an occasional force_refresh, at a fixed rate and with a cap on requests in flight so
// a slow Zoho never piles them up. Lives on a worker thread (WorkerThreads).
class TrafficGenerator final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrafficGenerator)

public:
    struct Options {
        int requestsPerSecond = 20;
        // Many, so that hits keep flowing while misses wait for Zoho's rate limit (100
        // calls a minute): a dashboard has many users at once, not a few in a row.
        int maxInFlight = 64;
        // The sandbox has 500 students; the load's hot set fits Zoho's rate limit within
        // minutes, so the hit-rate chart climbs as the cache fills.
        int students = 200;          // moodle_user_id 1..students
        double zipfExponent = 1.1;
        double forceRefreshShare = 0.005;
    };

    explicit TrafficGenerator(QObject *parent = nullptr);
    explicit TrafficGenerator(Options options, QObject *parent = nullptr);
    ~TrafficGenerator() override;

    // The moodle_user_id for a uniform draw u in [0, 1): inverse of the Zipf CDF.
    [[nodiscard]] int studentFor(double u) const;

public Q_SLOTS:
    // baseUrl: the server's http://host:port; endpoints: the registry's names; apiKey: sent
    // as `Authorization: Bearer` with every request (the embedded server's own key).
    void start(const QString &baseUrl, const QStringList &endpoints, const tiersync::Secret &apiKey);
    void stop();

Q_SIGNALS:
    // Every 100 answers: how many were sent, answered and failed so far. An answer the
    // server refused (401, 403, 429) counts as failed: the load did not reach the engine.
    void progress(quint64 sent, quint64 answered, quint64 failed);

private:
    void sendOne();

    Options m_options;
    std::vector<double> m_cdf;  // m_cdf[i]: P(student <= i + 1)
    QNetworkAccessManager *m_network = nullptr;
    QTimer *m_timer = nullptr;
    QRandomGenerator m_random;
    QUrl m_base;
    QStringList m_endpoints;
    QByteArray m_authorization;  // "Bearer <key>"
    int m_inFlight = 0;
    quint64 m_sent = 0;
    quint64 m_answered = 0;
    quint64 m_failed = 0;
};

}  // namespace tiersync
