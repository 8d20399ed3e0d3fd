#include "cachingcommand.h"

#include "cliprofile.h"

#include "cache/cachingswitch.h"
#include "host/engineservices.h"
#include "store/databaseopener.h"
#include "store/pgconnection.h"
#include "store/settingsrepository.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QTextStream>

namespace tiersync::cli {

int runCachingCommand(EngineServices &services, const QStringList &arguments)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    QStringList rest = arguments;
    const bool json = rest.removeAll(QStringLiteral("--json")) > 0;
    if (rest.size() != 1 || !QStringList{QStringLiteral("on"), QStringLiteral("off"), QStringLiteral("status")}.contains(rest.first())) {
        err << "usage: tiersync caching on|off|status [--json]\n";
        return 2;
    }
    const QString action = rest.first();

    const ConnectionProfile &profile = services.profile();
    PgConnection connection(profile.pg);
    if (auto migrated = services.database()->ensureMigrated(connection); !migrated) {
        err << "tiersync caching: PostgreSQL at " << profile.pg.describe() << ": " << migrated.error().message << '\n';
        return 1;
    }
    SettingsRepository settings(connection);
    if (action != QLatin1String("status")) {
        if (Status set = settings.setCachingEnabled(action == QLatin1String("on"), whoAmI()); !set) {
            err << "tiersync caching: " << set.error().message << '\n';
            return 1;
        }
    }
    auto entry = settings.get(QString::fromLatin1(SettingsRepository::kCachingEnabled));
    auto enabled = settings.cachingEnabled();
    if (!entry || !enabled) {
        err << "tiersync caching: " << (!entry ? entry.error().message : enabled.error().message) << '\n';
        return 1;
    }
    const bool forcedOff = CachingSwitch::forcedOffBy(QProcessEnvironment::systemEnvironment());
    const QString updatedBy = entry->has_value() ? (*entry)->updatedBy : QString();
    const QString updatedAt =
        entry->has_value() ? (*entry)->updatedAt.toUTC().toString(Qt::ISODateWithMs) : QString();
    if (json) {
        out << QJsonDocument(QJsonObject{{QStringLiteral("caching_enabled"), *enabled},
                                         {QStringLiteral("updated_by"), updatedBy},
                                         {QStringLiteral("updated_at"), updatedAt},
                                         {QStringLiteral("forced_off_here"), forcedOff}})
                   .toJson(QJsonDocument::Compact)
            << '\n';
        return 0;
    }
    out << "caching " << (*enabled ? "on" : "off");
    if (!updatedBy.isEmpty())
        out << " (set by " << updatedBy << " at " << updatedAt << ")";
    out << '\n';
    if (action != QLatin1String("status"))
        out << "running engines apply it within a second\n";
    if (forcedOff)
        out << "note: " << CachingSwitch::kEnvironmentVariable
            << " forces caching off for processes started with this environment\n";
    return 0;
}

}  // namespace tiersync::cli
