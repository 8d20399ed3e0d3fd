#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace tiersync {

class PgConnection;

// Applies the versioned SQL migrations (resources/migrations/NNNN_name.sql, compiled in
// as :/tiersync/migrations) and records them in tiersync.schema_migrations.
//
// Each migration runs in its own transaction that first takes a transaction-scoped
// advisory lock, so two processes (or threads) migrating the same database at once
// serialise: the second finds the work done. Running migrate() again is a no-op. An
// applied migration whose recorded checksum differs from the file, or a database that
// has migrations this build does not know, is an error: never guess about a schema.
class Migrator final {
public:
    struct Migration {
        int version = 0;
        QString name;       // "0001_initial"
        QByteArray sql;
        QString checksum;   // SHA-256 of sql, lowercase hex
    };
    struct Applied {
        int version = 0;
        QString name;
        QDateTime appliedAt;
        QString checksum;
    };

    // The migrations compiled into the engine.
    Migrator();
    explicit Migrator(QList<Migration> migrations);

    [[nodiscard]] static Migration makeMigration(int version, QString name, QByteArray sql);

    [[nodiscard]] const QList<Migration> &migrations() const;
    // The newest version this build knows.
    [[nodiscard]] int latestVersion() const;

    // Applies the pending migrations in order; returns how many it applied.
    [[nodiscard]] Result<int> migrate(PgConnection &connection) const;
    // What the database has recorded (empty when it was never migrated).
    [[nodiscard]] Result<QList<Applied>> applied(PgConnection &connection) const;

private:
    QList<Migration> m_migrations;
    std::optional<Error> m_loadError;
};

}  // namespace tiersync
