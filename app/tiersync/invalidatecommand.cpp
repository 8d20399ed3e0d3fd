#include "invalidatecommand.h"

#include "progressbar.h"

#include "cache/endpointregistry.h"
#include "redis/redisconnection.h"
#include "sync/cacheinvalidator.h"
#include "sync/entityregistry.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace tiersync::cli {

namespace {

int usage(const QString &message)
{
    QTextStream(stderr) << "tiersync invalidate: " << message
                        << "\nusage: tiersync invalidate student N | endpoint NAME | entity TYPE [ID] | all "
                           "[--dry-run] [--json]\n";
    return 2;
}

}  // namespace

int runInvalidateCommand(const ConnectionProfile &profile, const QStringList &arguments)
{
    QStringList args = arguments;
    const bool json = args.removeAll(QStringLiteral("--json")) > 0;
    const bool dryRun = args.removeAll(QStringLiteral("--dry-run")) > 0;
    for (const QString &arg : std::as_const(args))
        if (arg.startsWith(QLatin1String("--")))
            return usage(QStringLiteral("unknown option '%1'").arg(arg));
    if (args.isEmpty())
        return usage(QStringLiteral("what should be invalidated?"));
    auto entities = EntityRegistry::builtIn();
    auto endpoints = EndpointRegistry::builtIn();
    if (!entities || !endpoints) {
        QTextStream(stderr) << "tiersync invalidate: "
                            << (!entities ? entities.error().message : endpoints.error().message) << '\n';
        return 1;
    }
    RedisConnection redis(profile.redis);
    CacheInvalidator invalidator(redis, endpoints->names(), entities->names());
    ProgressBar bar(dryRun ? QStringLiteral("counting keys") : QStringLiteral("unlinking keys"));
    invalidator.setProgress([&bar](qint64 soFar) { bar.update(soFar, -1); });

    const QString scope = args.takeFirst();
    QString target;
    Result<qint64> keys = qint64(0);
    if (scope == QLatin1String("student") && args.size() == 1) {
        bool ok = false;
        const qint64 id = args.first().toLongLong(&ok);
        if (!ok || id <= 0)
            return usage(QStringLiteral("a student is a Moodle user id (a positive integer), not '%1'").arg(args.first()));
        target = QString::number(id);
        keys = invalidator.student(id, dryRun);
    } else if (scope == QLatin1String("endpoint") && args.size() == 1) {
        target = args.first();
        keys = invalidator.endpoint(target, dryRun);
    } else if (scope == QLatin1String("entity") && (args.size() == 1 || args.size() == 2)) {
        target = args.join(QLatin1Char(':'));
        keys = args.size() == 2 ? invalidator.entity(args.at(0), args.at(1), dryRun)
                                : invalidator.entityType(args.at(0), dryRun);
    } else if (scope == QLatin1String("all") && args.isEmpty()) {
        keys = invalidator.all(dryRun);
    } else {
        return usage(QStringLiteral("cannot invalidate '%1'").arg((QStringList{scope} + args).join(QLatin1Char(' '))));
    }
    bar.finish();
    if (!keys) {
        QTextStream(stderr) << "tiersync invalidate: " << keys.error().message << '\n';
        return keys.error().kind == ErrorKind::InvalidArgument ? 2 : 1;
    }
    QTextStream out(stdout);
    if (json)
        out << QJsonDocument(QJsonObject{{QStringLiteral("scope"), scope},
                                         {QStringLiteral("target"), target.isEmpty() ? QJsonValue() : QJsonValue(target)},
                                         {QStringLiteral("dry_run"), dryRun},
                                         {QStringLiteral("keys"), double(*keys)}})
                   .toJson(QJsonDocument::Compact)
            << '\n';
    else
        out << (dryRun ? QStringLiteral("%1 keys would be removed\n") : QStringLiteral("%1 keys removed\n")).arg(*keys);
    return 0;
}

}  // namespace tiersync::cli
