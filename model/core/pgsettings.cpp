#include "core/pgsettings.h"

#include <libpq-fe.h>

namespace tiersync {

namespace {

QString quoteValue(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('\''), QLatin1String("\\'"));
    return QLatin1Char('\'') + escaped + QLatin1Char('\'');
}

}  // namespace

Result<PgSettings> PgSettings::fromDsn(const QString &dsn)
{
    char *errmsg = nullptr;
    const QByteArray utf8 = dsn.toUtf8();
    PQconninfoOption *parsed = PQconninfoParse(utf8.constData(), &errmsg);
    if (!parsed) {
        QString message = errmsg ? QString::fromUtf8(errmsg).trimmed()
                                 : QStringLiteral("cannot parse connection string");
        PQfreemem(errmsg);
        return makeError(ErrorKind::InvalidArgument,
                         QStringLiteral("invalid PostgreSQL DSN: %1").arg(message));
    }
    PgSettings settings;
    for (PQconninfoOption *option = parsed; option->keyword; ++option) {
        if (!option->val)
            continue;
        const QString key = QString::fromUtf8(option->keyword);
        const QString value = QString::fromUtf8(option->val);
        if (key == QLatin1String("password"))
            settings.password = Secret(value);
        else
            settings.options.insert(key, value);
    }
    PQconninfoFree(parsed);
    return settings;
}

QString PgSettings::toConnectionString(bool withPassword) const
{
    QStringList parts;
    for (auto it = options.cbegin(); it != options.cend(); ++it)
        parts << it.key() + QLatin1Char('=') + quoteValue(it.value());
    if (withPassword && !password.isEmpty())
        parts << QStringLiteral("password=") + quoteValue(password.reveal());
    return parts.join(QLatin1Char(' '));
}

QString PgSettings::describe() const
{
    return QStringLiteral("%1:%2/%3")
        .arg(options.value(QStringLiteral("host"), QStringLiteral("localhost")),
             options.value(QStringLiteral("port"), QStringLiteral("5432")),
             options.value(QStringLiteral("dbname"), options.value(QStringLiteral("user"))));
}

}  // namespace tiersync
