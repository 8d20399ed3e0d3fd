#include "checkcommand.h"

#include "redis/redisconnection.h"
#include "host/engineservices.h"
#include "store/databaseopener.h"
#include "store/migrator.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"
#include "zoho/awaitresult.h"
#include "zoho/zohoapi.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoservice.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace tiersync::cli {

namespace {

struct Check {
    QString service;
    QString target;  // safe to print: no secrets
    Status status;
    QString detail;
    qint64 elapsedMs = 0;
};

Check checkRedis(const RedisSettings &settings)
{
    QElapsedTimer timer;
    timer.start();
    RedisConnection redis(settings);
    Check check{QStringLiteral("redis"), settings.toUrl(), redis.ping(), {}, 0};
    if (check.status) {
        auto info = redis.info("server");
        if (info)
            check.detail = QStringLiteral("redis %1").arg(info->value(QStringLiteral("redis_version")));
    }
    check.elapsedMs = timer.elapsed();
    return check;
}

Check checkPostgres(DatabaseOpener &database)
{
    QElapsedTimer timer;
    timer.start();
    const PgSettings &settings = database.settings();
    PgConnection connection(settings);
    Check check{QStringLiteral("postgres"), settings.describe(), {}, {}, 0};
    const Migrator migrator;
    auto applied = database.ensureMigrated(connection);
    if (!applied) {
        check.status = applied.error();
    } else {
        auto caching = SettingsRepository(connection).cachingEnabled();
        if (!caching)
            check.status = caching.error();
        else
            check.detail = QStringLiteral("schema v%1 (%2 applied now), caching %3")
                               .arg(migrator.latestVersion())
                               .arg(*applied)
                               .arg(*caching ? QStringLiteral("on") : QStringLiteral("off"));
    }
    check.elapsedMs = timer.elapsed();
    return check;
}

Check checkZoho(EngineServices &services)
{
    const ZohoSettings &settings = services.profile().zoho;
    QElapsedTimer timer;
    timer.start();
    Check check{QStringLiteral("zoho"), settings.apiBase, {}, {}, 0};
    if (settings.clientId.isEmpty() || settings.refreshToken.isEmpty()) {
        check.status = makeError(ErrorKind::InvalidArgument,
                                 QStringLiteral("no Zoho client id or refresh token configured"));
        return check;
    }
    auto page = awaitResult(services.zoho()->api().booksPage(QStringLiteral("/books/v3/items"), QStringLiteral("items"), 1));
    if (!page)
        check.status = page.error();
    else
        check.detail = QStringLiteral("token refreshed, Books items answered");
    check.elapsedMs = timer.elapsed();
    return check;
}

}  // namespace

int runCheckCommand(EngineServices &services, const QStringList &arguments)
{
    const bool json = arguments.contains(QStringLiteral("--json"));
    const QList<Check> checks = {checkRedis(services.profile().redis), checkPostgres(*services.database()),
                                checkZoho(services)};
    bool allOk = true;
    QJsonObject report;
    QTextStream out(stdout);
    for (const Check &check : checks) {
        allOk = allOk && check.status.ok();
        report.insert(check.service,
                      QJsonObject{{QStringLiteral("ok"), check.status.ok()},
                                  {QStringLiteral("target"), check.target},
                                  {QStringLiteral("detail"), check.status ? check.detail : check.status.error().message},
                                  {QStringLiteral("elapsed_ms"), double(check.elapsedMs)}});
        if (!json)
            out << QStringLiteral("%1 %2 %3  %4 (%5 ms)\n")
                       .arg(check.status ? QStringLiteral("ok  ") : QStringLiteral("FAIL"), check.service.leftJustified(9),
                            check.target,
                            check.status ? check.detail : check.status.error().message)
                       .arg(check.elapsedMs);
    }
    if (json)
        out << QJsonDocument(report).toJson(QJsonDocument::Compact) << '\n';
    return allOk ? 0 : 1;
}

}  // namespace tiersync::cli
