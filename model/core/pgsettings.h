#pragma once

#include "core/result.h"
#include "core/secret.h"

#include <QMap>
#include <QString>

namespace tiersync {

// PostgreSQL connection settings. The DSN (libpq URI or key=value string) is parsed by
// libpq itself; the password is split out so it can live in the keychain and never be
// printed with the rest.
struct PgSettings final {
    QMap<QString, QString> options;  // libpq keywords except password
    Secret password;

    [[nodiscard]] static Result<PgSettings> fromDsn(const QString &dsn);
    // key=value string for libpq; the password only when asked for.
    [[nodiscard]] QString toConnectionString(bool withPassword = true) const;
    [[nodiscard]] QString describe() const;  // host:port/dbname, safe to log

    friend bool operator==(const PgSettings &, const PgSettings &) = default;
};

}  // namespace tiersync
