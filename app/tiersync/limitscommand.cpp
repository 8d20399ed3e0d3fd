#include "limitscommand.h"

#include "budget/zoholimitsplan.h"
#include "budget/zoholimitsrepository.h"
#include "cliprofile.h"
#include "host/engineservices.h"
#include "store/databaseopener.h"
#include "store/pgconnection.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <optional>

namespace tiersync::cli {

namespace {

int usage(const QString &message)
{
    QTextStream(stderr) << "tiersync limits: " << message << "\n"
                        << "usage: tiersync limits show [--json]\n"
                           "       tiersync limits set books|inventory|crm [--plan P] [--users N] [--per-minute N]\n"
                           "                           [--per-day N] [--concurrency N] [--read-reserve PCT] [--json]\n";
    return 2;
}

QJsonObject rowToJson(const ZohoLimitsRepository::Row &row)
{
    const FamilyLimits &l = row.limits;
    return QJsonObject{{QStringLiteral("family"), zohoApiFamilyName(row.family)},
                       {QStringLiteral("plan"), row.plan},
                       {QStringLiteral("users"), row.users},
                       {QStringLiteral("per_window"), l.perWindow},
                       {QStringLiteral("window_seconds"), double(l.windowMs / 1000)},
                       {QStringLiteral("per_day"), double(l.perDay)},
                       {QStringLiteral("concurrency"), l.concurrency},
                       {QStringLiteral("read_reserve_pct"), l.readReservePct},
                       {QStringLiteral("updated_at"), row.updatedAt.isValid()
                                                          ? row.updatedAt.toUTC().toString(Qt::ISODateWithMs)
                                                          : QString()},
                       {QStringLiteral("updated_by"), row.updatedBy}};
}

void printRows(QTextStream &out, const QList<ZohoLimitsRepository::Row> &rows)
{
    out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7  %8\n")
               .arg(QStringLiteral("family"), -10)
               .arg(QStringLiteral("plan"), -13)
               .arg(QStringLiteral("users"), 5)
               .arg(QStringLiteral("per window"), 14)
               .arg(QStringLiteral("per day"), 9)
               .arg(QStringLiteral("at once"), 7)
               .arg(QStringLiteral("reads keep"), 10)
               .arg(QStringLiteral("updated"));
    for (const auto &row : rows) {
        const FamilyLimits &l = row.limits;
        out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7  %8\n")
                   .arg(zohoApiFamilyName(row.family), -10)
                   .arg(row.plan, -13)
                   .arg(row.users, 5)
                   .arg(QStringLiteral("%1 / %2 s").arg(l.perWindow).arg(l.windowMs / 1000), 14)
                   .arg(l.perDay == 0 ? QStringLiteral("none") : QString::number(l.perDay), 9)
                   .arg(l.concurrency, 7)
                   .arg(QStringLiteral("%1 %").arg(l.readReservePct), 10)
                   .arg(row.updatedAt.isValid()
                            ? row.updatedAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")) + QStringLiteral(" UTC by ")
                                  + row.updatedBy
                            : QStringLiteral("Zoho's default"));
    }
}

std::optional<qint64> number(const QString &text, qint64 low, qint64 high)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < low || value > high)
        return std::nullopt;
    return value;
}

}  // namespace

int runLimitsCommand(EngineServices &services, const QStringList &arguments)
{
    QStringList args = arguments;
    const bool json = args.removeAll(QStringLiteral("--json")) > 0;
    if (args.isEmpty())
        return usage(QStringLiteral("show or set?"));
    const QString action = args.takeFirst();
    if (action != QLatin1String("show") && action != QLatin1String("set"))
        return usage(QStringLiteral("unknown action '%1'").arg(action));

    std::optional<ZohoApiFamily> family;
    std::optional<QString> plan;
    std::optional<qint64> users, perWindow, perDay, concurrency, reserve;
    if (action == QLatin1String("set")) {
        if (args.isEmpty())
            return usage(QStringLiteral("which family: books, inventory or crm?"));
        const QString name = args.takeFirst();
        for (ZohoApiFamily f : {ZohoApiFamily::Books, ZohoApiFamily::Inventory, ZohoApiFamily::Crm})
            if (zohoApiFamilyName(f) == name)
                family = f;
        if (!family)
            return usage(QStringLiteral("unknown family '%1' (books, inventory or crm)").arg(name));
        for (qsizetype i = 0; i < args.size(); ++i) {
            const QString &arg = args.at(i);
            if (i + 1 >= args.size())
                return usage(QStringLiteral("%1 needs a value").arg(arg));
            const QString value = args.at(++i);
            const auto take = [&](std::optional<qint64> &into, qint64 low, qint64 high) {
                into = number(value, low, high);
                return into.has_value();
            };
            bool ok = true;
            if (arg == QLatin1String("--plan"))
                plan = value.toLower();
            else if (arg == QLatin1String("--users"))
                ok = take(users, 0, 100000);
            else if (arg == QLatin1String("--per-minute"))
                ok = take(perWindow, 1, 100000);
            else if (arg == QLatin1String("--per-day"))
                ok = take(perDay, 0, 1000000000);
            else if (arg == QLatin1String("--concurrency"))
                ok = take(concurrency, 1, 1000);
            else if (arg == QLatin1String("--read-reserve"))
                ok = take(reserve, 0, 90);
            else
                return usage(QStringLiteral("unexpected argument '%1'").arg(arg));
            if (!ok)
                return usage(QStringLiteral("%1: '%2' is out of range").arg(arg, value));
        }
    } else if (!args.isEmpty()) {
        return usage(QStringLiteral("unexpected argument '%1'").arg(args.first()));
    }

    PgConnection connection(services.profile().pg);
    if (auto migrated = services.database()->ensureMigrated(connection); !migrated) {
        QTextStream(stderr) << "tiersync limits: " << migrated.error().toString() << '\n';
        return 1;
    }
    ZohoLimitsRepository repository(connection);
    auto rows = repository.rows();
    if (!rows) {
        QTextStream(stderr) << "tiersync limits: " << rows.error().toString() << '\n';
        return 1;
    }
    if (family) {
        ZohoLimitsRepository::Row row = rows->at(int(*family));
        if (plan || users) {
            if (Status planned = applyZohoPlan(row, plan.value_or(row.plan), int(users.value_or(row.users)));
                !planned)
                return usage(planned.error().message);
        }
        if (perWindow)
            row.limits.perWindow = int(*perWindow);
        if (perDay)
            row.limits.perDay = *perDay;
        if (concurrency)
            row.limits.concurrency = int(*concurrency);
        if (reserve)
            row.limits.readReservePct = int(*reserve);
        if (Status saved = repository.save(row, whoAmI()); !saved) {
            QTextStream(stderr) << "tiersync limits: " << saved.error().message << '\n';
            return saved.error().kind == ErrorKind::InvalidArgument ? 2 : 1;
        }
        rows = repository.rows();
        if (!rows) {
            QTextStream(stderr) << "tiersync limits: " << rows.error().toString() << '\n';
            return 1;
        }
    }
    QTextStream out(stdout);
    if (json) {
        QJsonArray array;
        for (const auto &row : std::as_const(*rows))
            array.append(rowToJson(row));
        out << QJsonDocument(QJsonObject{{QStringLiteral("limits"), array}}).toJson(QJsonDocument::Compact) << '\n';
    } else {
        printRows(out, *rows);
    }
    return 0;
}

}  // namespace tiersync::cli
