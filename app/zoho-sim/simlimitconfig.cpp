#include "simlimitconfig.h"

#include <QStringList>

#include <algorithm>

namespace tiersync::sim {
namespace {

constexpr int maxCrmUsers = 100000;

Error bad(const QString &message)
{
    return makeError(ErrorKind::InvalidArgument, message);
}

// A whole number in [minimum, maximum] at key of object, into out; absent keys leave out.
Status readNumber(const QJsonObject &object, const QString &section, const char *key, qint64 minimum,
                  qint64 maximum, qint64 &out)
{
    const QJsonValue value = object.value(QLatin1String(key));
    if (value.isUndefined())
        return {};
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number != static_cast<double>(static_cast<qint64>(number)) || number < minimum
        || number > maximum)
        return bad(QStringLiteral("%1.%2: expected a whole number in [%3, %4]")
                       .arg(section, QLatin1String(key)).arg(minimum).arg(maximum));
    out = static_cast<qint64>(number);
    return {};
}

Status onlyKeys(const QJsonObject &object, const QString &section, const QStringList &allowed)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!allowed.contains(it.key()))
            return bad(QStringLiteral("unknown limit '%1%2'")
                           .arg(section.isEmpty() ? QString() : section + QLatin1Char('.'), it.key()));
    }
    return {};
}

}  // namespace

Status SimLimitConfig::applyBooksPlan(const QString &plan)
{
    static const QStringList plans{QStringLiteral("free"),    QStringLiteral("standard"),
                                   QStringLiteral("professional"), QStringLiteral("premium"),
                                   QStringLiteral("elite"),   QStringLiteral("ultimate")};
    static constexpr int daily[] = {1000, 2000, 5000, 10000, 10000, 10000};
    const qsizetype index = plans.indexOf(plan.toLower());
    if (index < 0)
        return bad(QStringLiteral("books plan: expected one of %1, got '%2'").arg(plans.join(QLatin1String(", ")), plan));
    booksPlan = plans.at(index);
    booksPerDay = daily[index];
    booksConcurrency = index == 0 ? 5 : 10;
    return {};
}

Status SimLimitConfig::applyCrmEdition(const QString &edition, int users)
{
    static const QStringList editions{QStringLiteral("free"), QStringLiteral("standard"),
                                      QStringLiteral("professional"), QStringLiteral("enterprise"),
                                      QStringLiteral("ultimate")};
    static constexpr int perUser[] = {0, 250, 500, 1000, 2000};
    static constexpr int concurrency[] = {5, 10, 15, 20, 25};
    const qsizetype index = editions.indexOf(edition.toLower());
    if (index < 0)
        return bad(QStringLiteral("crm edition: expected one of %1, got '%2'")
                       .arg(editions.join(QLatin1String(", ")), edition));
    if (users < 1 || users > maxCrmUsers)
        return bad(QStringLiteral("crm users: expected a number in [1, %1], got %2").arg(maxCrmUsers).arg(users));
    crmEdition = editions.at(index);
    crmUsers = users;
    crmConcurrency = concurrency[index];
    crmCreditsPerDay = index == 0 ? 5000 : 50000 + static_cast<qint64>(perUser[index]) * users;
    if (index == 1)
        crmCreditsPerDay = std::min<qint64>(crmCreditsPerDay, 100000);
    return {};
}

QJsonObject SimLimitConfig::toJson() const
{
    return QJsonObject{
        {QStringLiteral("enabled"), enabled},
        {QStringLiteral("books"), QJsonObject{{QStringLiteral("plan"), booksPlan},
                                              {QStringLiteral("per_minute"), booksPerMinute},
                                              {QStringLiteral("per_day"), booksPerDay},
                                              {QStringLiteral("concurrency"), booksConcurrency}}},
        {QStringLiteral("crm"), QJsonObject{{QStringLiteral("edition"), crmEdition},
                                            {QStringLiteral("users"), crmUsers},
                                            {QStringLiteral("concurrency"), crmConcurrency},
                                            {QStringLiteral("credits_per_day"), crmCreditsPerDay}}},
        {QStringLiteral("oauth"), QJsonObject{{QStringLiteral("per_10_min"), oauthPer10Min}}},
    };
}

Result<SimLimitConfig> SimLimitConfig::merged(const QJsonObject &changes) const
{
    if (auto status = onlyKeys(changes, {},
                               {QStringLiteral("enabled"), QStringLiteral("books"), QStringLiteral("crm"),
                                QStringLiteral("oauth"), QStringLiteral("reset_budgets")});
        !status)
        return status.error();
    SimLimitConfig next = *this;
    if (const QJsonValue enabled = changes.value(QLatin1String("enabled")); !enabled.isUndefined()) {
        if (!enabled.isBool())
            return bad(QStringLiteral("enabled: expected true or false"));
        next.enabled = enabled.toBool();
    }
    for (const char *section : {"books", "crm", "oauth"}) {
        const QJsonValue value = changes.value(QLatin1String(section));
        if (!value.isUndefined() && !value.isObject())
            return bad(QStringLiteral("%1: expected an object").arg(QLatin1String(section)));
    }

    const QJsonObject books = changes.value(QLatin1String("books")).toObject();
    const QString booksName = QStringLiteral("books");
    if (auto status = onlyKeys(books, booksName,
                               {QStringLiteral("plan"), QStringLiteral("per_minute"), QStringLiteral("per_day"),
                                QStringLiteral("concurrency")});
        !status)
        return status.error();
    if (books.contains(QLatin1String("plan"))) {
        if (auto status = next.applyBooksPlan(books.value(QLatin1String("plan")).toString()); !status)
            return status.error();
    }
    qint64 perMinute = next.booksPerMinute, perDay = next.booksPerDay, booksConcurrency = next.booksConcurrency;
    for (auto status : {readNumber(books, booksName, "per_minute", 1, 1'000'000, perMinute),
                        readNumber(books, booksName, "per_day", 1, 1'000'000'000, perDay),
                        readNumber(books, booksName, "concurrency", 1, 10'000, booksConcurrency)}) {
        if (!status)
            return status.error();
    }
    next.booksPerMinute = static_cast<int>(perMinute);
    next.booksPerDay = static_cast<int>(perDay);
    next.booksConcurrency = static_cast<int>(booksConcurrency);

    const QJsonObject crm = changes.value(QLatin1String("crm")).toObject();
    const QString crmName = QStringLiteral("crm");
    if (auto status = onlyKeys(crm, crmName,
                               {QStringLiteral("edition"), QStringLiteral("users"), QStringLiteral("concurrency"),
                                QStringLiteral("credits_per_day")});
        !status)
        return status.error();
    if (crm.contains(QLatin1String("edition")) || crm.contains(QLatin1String("users"))) {
        qint64 users = next.crmUsers;
        if (auto status = readNumber(crm, crmName, "users", 1, maxCrmUsers, users); !status)
            return status.error();
        const QString edition = crm.value(QLatin1String("edition")).toString(next.crmEdition);
        if (auto status = next.applyCrmEdition(edition, static_cast<int>(users)); !status)
            return status.error();
    }
    qint64 crmConcurrency = next.crmConcurrency, credits = next.crmCreditsPerDay;
    for (auto status : {readNumber(crm, crmName, "concurrency", 1, 10'000, crmConcurrency),
                        readNumber(crm, crmName, "credits_per_day", 1, 1'000'000'000'000, credits)}) {
        if (!status)
            return status.error();
    }
    next.crmConcurrency = static_cast<int>(crmConcurrency);
    next.crmCreditsPerDay = credits;

    const QJsonObject oauth = changes.value(QLatin1String("oauth")).toObject();
    const QString oauthName = QStringLiteral("oauth");
    if (auto status = onlyKeys(oauth, oauthName, {QStringLiteral("per_10_min")}); !status)
        return status.error();
    qint64 perTenMinutes = next.oauthPer10Min;
    if (auto status = readNumber(oauth, oauthName, "per_10_min", 1, 1'000'000, perTenMinutes); !status)
        return status.error();
    next.oauthPer10Min = static_cast<int>(perTenMinutes);
    return next;
}

}  // namespace tiersync::sim
