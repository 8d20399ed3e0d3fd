#include "console/engineconnectioncheckservice.h"

#include "redis/redisconnection.h"
#include "host/engineservices.h"
#include "store/pgconnection.h"
#include "zoho/awaitresult.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoservice.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include <pqxx/pqxx>

namespace tiersync {

namespace {

constexpr int kZohoProbeTimeoutMs = 5000;

}  // namespace

EngineConnectionCheckService::EngineConnectionCheckService(std::shared_ptr<EngineServicesPool> pool, QObject *parent)
    : ConnectionCheckService(parent),
      m_pool(pool ? std::move(pool) : std::make_shared<EngineServicesPool>()),
      m_thread(std::make_shared<ServiceThread>(QStringLiteral("console-checks"))),
      m_checks(m_thread)
{
}

EngineConnectionCheckService::~EngineConnectionCheckService()
{
    stop();
}

void EngineConnectionCheckService::stop()
{
    m_checks.close();
    m_thread->stop();
    // The thread has ended: nothing of the manager's runs any more.
    m_network.reset();
}

void EngineConnectionCheckService::answer(std::function<void()> emitter)
{
    // Dropped by Qt if the service is gone by then.
    QMetaObject::invokeMethod(this, std::move(emitter), Qt::QueuedConnection);
}

void EngineConnectionCheckService::setProfile(const ConnectionProfile &profile)
{
    m_profile = profile;
    m_haveProfile = true;
}

void EngineConnectionCheckService::checkHealth()
{
    if (!m_haveProfile)
        return;
    m_checks.post([this, profile = m_profile] {
        answer([this, check = checkRedis(profile.redis)] { Q_EMIT healthChecked(check); });
        answer([this, check = checkPostgres(profile.pg)] { Q_EMIT healthChecked(check); });
        probeZoho(profile.zoho.accountsUrl);
    });
}

void EngineConnectionCheckService::test(ConnectionCheck::Service service, const ConnectionProfile &profile)
{
    m_checks.post([this, service, profile] {
        ConnectionCheck check;
        switch (service) {
        case ConnectionCheck::Service::Redis:
            check = checkRedis(profile.redis);
            break;
        case ConnectionCheck::Service::Postgres:
            check = checkPostgres(profile.pg);
            break;
        case ConnectionCheck::Service::Zoho:
            check = testZoho(profile);
            break;
        }
        answer([this, check] { Q_EMIT testFinished(check); });
    });
}

ConnectionCheck EngineConnectionCheckService::checkRedis(const RedisSettings &settings)
{
    QElapsedTimer timer;
    timer.start();
    ConnectionCheck check;
    check.service = ConnectionCheck::Service::Redis;
    check.target = settings.toUrl();
    RedisConnection redis(settings);
    auto info = redis.info("server");
    check.elapsedMs = timer.elapsed();
    if (!info) {
        check.message = describeForAdmin(check.service, info.error());
        return check;
    }
    auto keys = redis.dbsize();
    check.ok = true;
    check.message = QStringLiteral("Connected — Redis %1, %2 keys in database %3, answered in %4 ms.")
                        .arg(info->value(QStringLiteral("redis_version")))
                        .arg(keys ? *keys : 0)
                        .arg(settings.db)
                        .arg(check.elapsedMs);
    return check;
}

ConnectionCheck EngineConnectionCheckService::checkPostgres(const PgSettings &settings)
{
    QElapsedTimer timer;
    timer.start();
    ConnectionCheck check;
    check.service = ConnectionCheck::Service::Postgres;
    check.target = settings.describe();
    PgConnection::Options options;
    options.connectTimeoutSeconds = 3;
    options.applicationName = QStringLiteral("tiersync-console");
    PgConnection connection(settings, options);
    QString version;
    bool schema = false;
    const Status status = connection.nonTransaction(QStringLiteral("connection check"), [&](pqxx::transaction_base &tx) {
        const pqxx::row row = tx.exec1("SELECT current_setting('server_version'), "
                                       "to_regclass('tiersync.sync_runs') IS NOT NULL");
        version = QString::fromStdString(row[0].as<std::string>());
        schema = row[1].as<bool>();
        return Status();
    });
    check.elapsedMs = timer.elapsed();
    if (!status) {
        check.message = describeForAdmin(check.service, status.error());
        return check;
    }
    check.ok = true;
    check.message = QStringLiteral("Connected — PostgreSQL %1, %2, answered in %3 ms.")
                        .arg(version,
                             schema ? QStringLiteral("TierSync tables present")
                                    : QStringLiteral("TierSync tables not created yet (the engine creates them on start)"))
                        .arg(check.elapsedMs);
    return check;
}

void EngineConnectionCheckService::probeZoho(const QString &accountsUrl)
{
    if (m_zohoInFlight)
        return;
    ConnectionCheck check;
    check.service = ConnectionCheck::Service::Zoho;
    check.target = accountsUrl;
    if (check.target.isEmpty()) {
        check.message = QStringLiteral("No Zoho data centre configured.");
        answer([this, check] { Q_EMIT healthChecked(check); });
        return;
    }
    if (!m_network)
        m_network = std::make_unique<QNetworkAccessManager>();
    QNetworkRequest request{QUrl(check.target)};
    request.setTransferTimeout(kZohoProbeTimeoutMs);
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    m_zohoInFlight = true;
    QNetworkReply *reply = m_network->head(request);
    QObject::connect(reply, &QNetworkReply::finished, reply, [this, reply, check, timer]() mutable {
        m_zohoInFlight = false;
        reply->deleteLater();
        check.elapsedMs = timer->elapsed();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        // Any HTTP answer means the server is reachable; credentials are the Test button's job.
        if (status > 0) {
            check.ok = true;
            check.message = QStringLiteral("Zoho accounts server reachable (HTTP %1 in %2 ms).")
                                .arg(status)
                                .arg(check.elapsedMs);
        } else {
            check.message = describeForAdmin(check.service, makeError(ErrorKind::Unavailable, reply->errorString()));
        }
        answer([this, check] { Q_EMIT healthChecked(check); });
    });
}

ConnectionCheck EngineConnectionCheckService::testZoho(const ConnectionProfile &profile)
{
    QElapsedTimer timer;
    timer.start();
    ConnectionCheck check;
    check.service = ConnectionCheck::Service::Zoho;
    check.target = profile.zoho.apiBase;
    if (profile.zoho.clientId.isEmpty() || profile.zoho.clientSecret.isEmpty() || profile.zoho.refreshToken.isEmpty()) {
        check.message = QStringLiteral("Enter the Zoho client id, client secret and refresh token first.");
        return check;
    }
    const std::shared_ptr<EngineServices> services = m_pool->servicesFor(profile);
    // Blocks the checks thread only; the Zoho client runs on the service's own thread.
    auto page = awaitResult(services->zoho()->api().booksPage(QStringLiteral("/books/v3/items"), QStringLiteral("items"), 1));
    check.elapsedMs = timer.elapsed();
    if (!page) {
        check.message = describeForAdmin(check.service, page.error());
    } else {
        check.ok = true;
        check.message = QStringLiteral("Connected — Zoho Books answered in %1 ms.")
                            .arg(check.elapsedMs);
    }
    return check;
}

}  // namespace tiersync
