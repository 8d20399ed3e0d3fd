#include "apikeycommand.h"

#include "cliprofile.h"
#include "host/engineservices.h"
#include "server/apikey.h"
#include "server/apikeyauthenticator.h"
#include "store/apikeyrepository.h"
#include "store/databaseopener.h"
#include "store/pgconnection.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

namespace tiersync::cli {

namespace {

constexpr int kMaxNameLength = 100;
constexpr int kPrefixAttempts = 5;  // 48-bit prefixes: a clash is rare, two in a row unheard of

int usage(const QString &message)
{
    QTextStream(stderr) << "tiersync apikey: " << message << "\n"
                        << "usage: tiersync apikey create NAME --scope read[,metrics] [--json]\n"
                           "       tiersync apikey list [--json]\n"
                           "       tiersync apikey revoke ID-or-PREFIX [--json]\n";
    return 2;
}

int failed(const Error &error)
{
    QTextStream(stderr) << "tiersync apikey: " << error.toString() << '\n';
    return 1;
}

QString timeText(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QJsonObject keyToJson(const ApiKeyRepository::Key &key)
{
    const auto orNull = [](const QDateTime &time) { return time.isValid() ? QJsonValue(timeText(time)) : QJsonValue(); };
    return QJsonObject{{QStringLiteral("id"), double(key.id)},
                       {QStringLiteral("prefix"), key.prefix},
                       {QStringLiteral("name"), key.name},
                       {QStringLiteral("scopes"), QJsonArray::fromStringList(key.scopes)},
                       {QStringLiteral("created_at"), timeText(key.createdAt)},
                       {QStringLiteral("created_by"), key.createdBy},
                       {QStringLiteral("last_used_at"), orNull(key.lastUsedAt)},
                       {QStringLiteral("revoked_at"), orNull(key.revokedAt)}};
}

QString minuteText(const QDateTime &time, const QString &never)
{
    return time.isValid() ? time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")) : never;
}

void printKeys(QTextStream &out, const QList<ApiKeyRepository::Key> &keys)
{
    out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
               .arg(QStringLiteral("id"), 5)
               .arg(QStringLiteral("prefix"), -16)
               .arg(QStringLiteral("name"), -24)
               .arg(QStringLiteral("scopes"), -12)
               .arg(QStringLiteral("created (UTC)"), -16)
               .arg(QStringLiteral("last used"), -16)
               .arg(QStringLiteral("revoked"));
    for (const auto &key : keys)
        out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
                   .arg(key.id, 5)
                   .arg(key.prefix, -16)
                   .arg(key.name, -24)
                   .arg(key.scopes.join(u','), -12)
                   .arg(minuteText(key.createdAt, QString()), -16)
                   .arg(minuteText(key.lastUsedAt, QStringLiteral("never")), -16)
                   .arg(minuteText(key.revokedAt, QStringLiteral("-")));
    if (keys.isEmpty())
        out << "(no API keys: tiersync apikey create NAME --scope read)\n";
}

bool validName(const QString &name)
{
    if (name.trimmed().isEmpty() || name.size() > kMaxNameLength)
        return false;
    return std::none_of(name.cbegin(), name.cend(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

int create(ApiKeyRepository &repository, const QString &name, ApiScopes scopes, bool json)
{
    for (int attempt = 0; attempt < kPrefixAttempts; ++attempt) {
        auto key = apikey::generate();
        if (!key)
            return failed(key.error());
        const QByteArray bytes = key->reveal().toLatin1();
        auto created = repository.create(*apikey::prefixOf(bytes), apikey::sha256Hex(bytes), name,
                                         apikey::scopeNames(scopes), whoAmI());
        if (!created && created.error().kind == ErrorKind::Conflict)
            continue;  // the prefix is taken: draw another key
        if (!created)
            return failed(created.error());
        QTextStream out(stdout);
        if (json) {
            QJsonObject object = keyToJson(*created);
            object.insert(QStringLiteral("key"), key->reveal());
            out << QJsonDocument(object).toJson(QJsonDocument::Compact) << '\n';
        } else {
            out << key->reveal() << '\n';
            QTextStream(stderr) << "API key " << created->prefix << " (id " << created->id << ", '" << created->name
                                << "', " << created->scopes.join(u',')
                                << ") created. The key above is shown this once and stored only as a hash: "
                                   "keep it now.\nCall the API with: Authorization: Bearer <key>\n";
        }
        return 0;
    }
    return failed(makeError(ErrorKind::Conflict, QStringLiteral("no free key prefix after %1 draws").arg(kPrefixAttempts)));
}

}  // namespace

int runApiKeyCommand(EngineServices &services, const QStringList &arguments)
{
    QStringList args = arguments;
    const bool json = args.removeAll(QStringLiteral("--json")) > 0;
    if (args.isEmpty())
        return usage(QStringLiteral("create, list or revoke?"));
    const QString action = args.takeFirst();

    QString name;
    std::optional<ApiScopes> scopes;
    QString target;
    if (action == QLatin1String("create")) {
        for (qsizetype i = 0; i < args.size(); ++i) {
            const QString &arg = args.at(i);
            if (arg == QLatin1String("--scope")) {
                if (i + 1 >= args.size())
                    return usage(QStringLiteral("--scope needs a value (read, metrics or read,metrics)"));
                auto parsed = apikey::parseScopes(args.at(++i).split(u','));
                if (!parsed)
                    return usage(QStringLiteral("--scope: %1").arg(parsed.error().message));
                scopes = *parsed;
            } else if (arg.startsWith(QLatin1String("--"))) {
                return usage(QStringLiteral("unknown option '%1'").arg(arg));
            } else if (name.isEmpty()) {
                name = arg;
            } else {
                return usage(QStringLiteral("one NAME only (quote a name with spaces)"));
            }
        }
        if (name.isEmpty())
            return usage(QStringLiteral("create needs a NAME (who or what uses the key, e.g. moodle-prod)"));
        if (!validName(name))
            return usage(QStringLiteral("a NAME is 1 to %1 characters, not blank, without control characters")
                             .arg(kMaxNameLength));
        if (!scopes)
            return usage(QStringLiteral("create needs --scope read, metrics or read,metrics"));
    } else if (action == QLatin1String("revoke")) {
        if (args.size() != 1)
            return usage(QStringLiteral("revoke needs one ID or PREFIX (see tiersync apikey list)"));
        target = args.first();
    } else if (action == QLatin1String("list")) {
        if (!args.isEmpty())
            return usage(QStringLiteral("unexpected argument '%1'").arg(args.first()));
    } else {
        return usage(QStringLiteral("unknown action '%1'").arg(action));
    }

    // A revoke target: a decimal id, or a prefix (a whole key is accepted and only its
    // prefix used, never echoed).
    std::optional<qint64> id;
    QString prefix;
    if (!target.isEmpty()) {
        bool isNumber = false;
        const qint64 number = target.toLongLong(&isNumber);
        if (isNumber && number > 0 && !target.startsWith(u'+'))
            id = number;
        else if (apikey::isPrefix(target))
            prefix = target;
        else if (auto ofKey = apikey::prefixOf(target.toLatin1()))
            prefix = *ofKey;
        else
            return usage(QStringLiteral("revoke takes an id (a number) or a prefix (tsk_ and 12 hex digits), as "
                                        "tiersync apikey list shows them"));
    }

    PgConnection connection(services.profile().pg);
    if (auto migrated = services.database()->ensureMigrated(connection); !migrated)
        return failed(migrated.error());
    ApiKeyRepository repository(connection);
    QTextStream out(stdout);

    if (action == QLatin1String("create"))
        return create(repository, name, *scopes, json);

    if (action == QLatin1String("list")) {
        auto keys = repository.list();
        if (!keys)
            return failed(keys.error());
        if (json) {
            QJsonArray array;
            for (const auto &key : std::as_const(*keys))
                array.append(keyToJson(key));
            out << QJsonDocument(QJsonObject{{QStringLiteral("api_keys"), array}}).toJson(QJsonDocument::Compact) << '\n';
        } else {
            printKeys(out, *keys);
        }
        return 0;
    }

    auto revoked = id ? repository.revoke(*id) : repository.revokeByPrefix(prefix);
    if (!revoked)
        return failed(revoked.error());
    if (!*revoked) {
        QTextStream(stderr) << "tiersync apikey: no API key " << (id ? QString::number(*id) : prefix) << '\n';
        return 1;
    }
    const int cacheSeconds = ApiKeyAuthenticator::Options{}.cacheTtlMs / 1000;
    if (json) {
        QJsonObject object = keyToJson(**revoked);
        object.insert(QStringLiteral("takes_effect_within_seconds"), cacheSeconds);
        out << QJsonDocument(object).toJson(QJsonDocument::Compact) << '\n';
    } else {
        out << "API key " << (*revoked)->prefix << " (id " << (*revoked)->id << ", '" << (*revoked)->name
            << "') revoked at " << timeText((*revoked)->revokedAt)
            << ". Running servers refuse it within " << cacheSeconds << " s (their key cache).\n";
    }
    return 0;
}

}  // namespace tiersync::cli
