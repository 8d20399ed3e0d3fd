#pragma once

#include "core/result.h"
#include "core/secret.h"

#include <QList>
#include <QMap>
#include <QString>

namespace tiersync {

// PostgreSQL connection settings. The DSN (libpq URI or key=value string) is parsed by
// libpq itself; the password is split out so it can live in the keychain and never be
// printed with the rest.
//
// Several hosts (`host=a,b port=5432,5433`, or `postgresql://a:5432,b:5433/db`) are kept
// as libpq keeps them: comma-separated lists in "host"/"hostaddr"/"port", which libpq
// tries in order at every connect. fromDsn() rejects what libpq would only reject at
// connect time (a port list that does not match the hosts, an unknown
// target_session_attrs), so a bad DSN fails with a clear message when it is read.
struct PgSettings final {
    struct Endpoint final {
        QString host;  // name, address or socket directory; "localhost" when none given
        QString port;  // "5432" when none given
        friend bool operator==(const Endpoint &, const Endpoint &) = default;
    };

    QMap<QString, QString> options;  // libpq keywords except password
    Secret password;

    [[nodiscard]] static Result<PgSettings> fromDsn(const QString &dsn);
    // key=value string for libpq; the password only when asked for.
    [[nodiscard]] QString toConnectionString(bool withPassword = true) const;
    // host:port/dbname, or host1:port1,host2:port2/dbname; safe to log.
    [[nodiscard]] QString describe() const;

    // The servers libpq tries, in order (one when the DSN names one host).
    [[nodiscard]] QList<Endpoint> endpoints() const;
    [[nodiscard]] bool hasSeveralHosts() const;
    // target_session_attrs as written, or "read-write" when the DSN names several hosts
    // and says nothing: the engine writes, so with several hosts it wants the primary.
    [[nodiscard]] QString effectiveTargetSessionAttrs() const;
    // Whether the DSN asks for a server that accepts writes (read-write or primary).
    [[nodiscard]] bool requiresReadWrite() const;
    // These settings with the default above written out, as the engine connects.
    [[nodiscard]] PgSettings withSessionDefaults() const;

    friend bool operator==(const PgSettings &, const PgSettings &) = default;
};

}  // namespace tiersync
