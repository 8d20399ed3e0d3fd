#include "channelscommand.h"

#include "core/epochclock.h"
#include "host/engineservices.h"
#include "store/databaseopener.h"
#include "store/pgconnection.h"
#include "sync/entityregistry.h"
#include "webhook/channelmanager.h"
#include "webhook/channelrepository.h"
#include "webhook/webhooksettings.h"
#include "zoho/zohoclient.h"
#include "zoho/zohoservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QTextStream>

namespace tiersync::cli {

namespace {

constexpr char kUsage[] = "usage: tiersync channels list [--json] | ensure [--public-url URL] | disable\n";
constexpr char kPublicUrlVariable[] = "TIERSYNC_PUBLIC_URL";

QString timeText(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) : QStringLiteral("-");
}

QJsonValue timeJson(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(time.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

QJsonObject channelJson(const NotificationChannel &channel, qint64 nowMs)
{
    return QJsonObject{{QStringLiteral("channel_id"), channel.channelId},
                       {QStringLiteral("health"),
                        channelHealthName(ChannelRepository::healthFacts(channel).healthAt(nowMs))},
                       {QStringLiteral("degraded_at"), timeJson(channel.degradedAt)},
                       {QStringLiteral("degraded_reason"),
                        channel.degradedReason.isEmpty() ? QJsonValue() : channel.degradedReason},
                       {QStringLiteral("clean_since"), timeJson(channel.cleanSince)},
                       {QStringLiteral("last_check_at"), timeJson(channel.lastCheckAt)},
                       {QStringLiteral("entity_type"), channel.entityType},
                       {QStringLiteral("module"), channel.module},
                       {QStringLiteral("events"), QJsonArray::fromStringList(channel.events)},
                       {QStringLiteral("notify_url"), channel.notifyUrl},
                       {QStringLiteral("status"), channelStatusName(channel.status)},
                       {QStringLiteral("expires_at"), timeJson(channel.expiresAt)},
                       {QStringLiteral("enabled_at"), timeJson(channel.enabledAt)},
                       {QStringLiteral("renewed_at"), timeJson(channel.renewedAt)},
                       {QStringLiteral("last_notification_at"), timeJson(channel.lastNotificationAt)},
                       {QStringLiteral("notifications"), channel.notifications},
                       {QStringLiteral("last_error"), channel.lastError.isEmpty() ? QJsonValue() : channel.lastError}};
}

int list(PgConnection &connection, bool json)
{
    const qint64 nowMs = systemEpochClock()();
    auto channels = ChannelRepository(connection).list();
    if (!channels) {
        QTextStream(stderr) << "tiersync channels: " << channels.error().toString() << '\n';
        return 1;
    }
    QString why;
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    if (channels->isEmpty() && environment.value(QString::fromLatin1(kPublicUrlVariable)).isEmpty())
        why = QStringLiteral("no channels: no public callback URL is configured (tiersync serve --public-url URL, "
                             "or TIERSYNC_PUBLIC_URL), so none is enabled");
    else if (channels->isEmpty() && WebhookSettings::fromEnvironment(environment).crmToken.isEmpty())
        why = QStringLiteral("no channels: no CRM webhook token (TIERSYNC_WEBHOOK_CRM_TOKEN), so none is enabled");
    else if (channels->isEmpty())
        why = QStringLiteral("no channels yet: a tiersync serve with a public URL, or tiersync channels ensure, "
                             "enables them");
    QTextStream out(stdout);
    if (json) {
        QJsonArray array;
        for (const NotificationChannel &channel : std::as_const(*channels))
            array.append(channelJson(channel, nowMs));
        QJsonObject answer{{QStringLiteral("channels"), array}};
        if (!why.isEmpty())
            answer.insert(QStringLiteral("reason"), why);
        out << QJsonDocument(answer).toJson(QJsonDocument::Compact) << '\n';
        return 0;
    }
    if (!why.isEmpty()) {
        out << why << '\n';
        return 0;
    }
    out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
               .arg(QStringLiteral("module"), -10)
               .arg(QStringLiteral("channel id"), -18)
               .arg(QStringLiteral("status"), -9)
               .arg(QStringLiteral("health"), -11)
               .arg(QStringLiteral("expires (UTC)"), -20)
               .arg(QStringLiteral("last notification"), -20)
               .arg(QStringLiteral("notifications"));
    for (const NotificationChannel &channel : std::as_const(*channels)) {
        out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7%8\n")
                   .arg(channel.module, -10)
                   .arg(channel.channelId, -18)
                   .arg(channelStatusName(channel.status), -9)
                   .arg(channelHealthName(ChannelRepository::healthFacts(channel).healthAt(nowMs)), -11)
                   .arg(timeText(channel.expiresAt), -20)
                   .arg(timeText(channel.lastNotificationAt), -20)
                   .arg(channel.notifications)
                   .arg(channel.lastError.isEmpty() ? QString() : QStringLiteral("  ") + channel.lastError);
        if (channel.degradedAt.isValid())
            out << "    degraded since " << timeText(channel.degradedAt) << ": " << channel.degradedReason
                << (channel.cleanSince.isValid() ? QStringLiteral("; clean since %1").arg(timeText(channel.cleanSince))
                                                 : QString())
                << '\n';
    }
    out << "A healthy channel puts its module's feed on its safety net (tiersync schedule list).\n";
    return 0;
}

int report(const char *what, const Result<ChannelManager::Pass> &pass)
{
    if (!pass) {
        QTextStream(stderr) << "tiersync channels " << what << ": " << pass.error().message << '\n';
        return 1;
    }
    if (pass->outcome == ChannelManager::Pass::Outcome::ManagedElsewhere) {
        QTextStream(stderr) << "tiersync channels " << what
                            << ": another process (a tiersync serve) manages the channels now\n";
        return 1;
    }
    if (pass->outcome == ChannelManager::Pass::Outcome::NoPublicUrl) {
        QTextStream(stderr) << "tiersync channels " << what
                            << ": no public callback URL (--public-url URL or TIERSYNC_PUBLIC_URL): nothing enabled\n";
        return 1;
    }
    QTextStream out(stdout);
    out << QStringLiteral("kept %1, enabled %2, re-enabled %3, renewed %4, disabled %5, failed %6\n")
               .arg(pass->kept)
               .arg(pass->enabled)
               .arg(pass->reenabled)
               .arg(pass->renewed)
               .arg(pass->disabled)
               .arg(pass->failed);
    for (const QString &error : pass->errors)
        QTextStream(stderr) << "  " << error << '\n';
    return pass->failed > 0 ? 1 : 0;
}

}  // namespace

int runChannelsCommand(EngineServices &services, const QStringList &arguments)
{
    QStringList args = arguments;
    if (args.isEmpty()) {
        QTextStream(stderr) << kUsage;
        return 2;
    }
    const QString sub = args.takeFirst();
    const bool json = args.removeAll(QStringLiteral("--json")) > 0;
    const QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    QString publicUrl = environment.value(QString::fromLatin1(kPublicUrlVariable));
    for (qsizetype i = 0; i < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--public-url") && i + 1 < args.size() && sub == QLatin1String("ensure")) {
            publicUrl = args.at(++i);
        } else {
            QTextStream(stderr) << "tiersync channels: unexpected argument '" << args.at(i) << "'\n" << kUsage;
            return 2;
        }
    }
    if (sub != QLatin1String("list") && sub != QLatin1String("ensure") && sub != QLatin1String("disable")) {
        QTextStream(stderr) << "tiersync channels: unknown subcommand '" << sub << "'\n" << kUsage;
        return 2;
    }
    if (json && sub != QLatin1String("list")) {
        QTextStream(stderr) << "tiersync channels: --json is for list\n" << kUsage;
        return 2;
    }
    if (sub == QLatin1String("ensure") && !publicUrl.isEmpty()) {
        if (auto url = ChannelManager::notifyUrlFor(publicUrl); !url) {
            QTextStream(stderr) << "tiersync channels ensure: " << url.error().message << '\n';
            return 2;
        }
    }

    const ConnectionProfile &profile = services.profile();
    PgConnection connection(profile.pg);
    if (auto migrated = services.database()->ensureMigrated(connection); !migrated) {
        QTextStream(stderr) << "tiersync channels: " << migrated.error().toString() << '\n';
        return 1;
    }
    if (sub == QLatin1String("list"))
        return list(connection, json);

    auto registry = EntityRegistry::builtIn();
    if (!registry) {
        QTextStream(stderr) << "tiersync channels: " << registry.error().message << '\n';
        return 1;
    }
    ChannelManager::Options options;
    options.publicUrl = publicUrl;
    options.token = WebhookSettings::fromEnvironment(environment).crmToken;
    options.clientId = profile.zoho.clientId;
    ChannelManager manager(*registry, profile.pg, services.zoho()->client(), options);
    if (sub == QLatin1String("ensure"))
        return report("ensure", manager.ensure());
    return report("disable", manager.disableAll());
}

}  // namespace tiersync::cli
