#pragma once

#include "core/pgsettings.h"
#include "core/result.h"

#include <QString>

#include <memory>

namespace tiersync::test {

// A scratch database on the sandbox server: CREATE DATABASE tst_<prefix>_<random> on
// creation, DROP … WITH (FORCE) on destruction, so test cases never see each other's
// rows and can run in parallel against one server.
class PgTestDatabase final {
public:
    [[nodiscard]] static Result<std::unique_ptr<PgTestDatabase>> create(const PgSettings &server,
                                                                        const QString &prefix);
    ~PgTestDatabase();
    Q_DISABLE_COPY_MOVE(PgTestDatabase)

    [[nodiscard]] const QString &name() const;
    // The server settings with dbname pointing at this database.
    [[nodiscard]] const PgSettings &settings() const;

private:
    PgTestDatabase(PgSettings server, QString name);

    PgSettings m_server;
    PgSettings m_settings;
    QString m_name;
};

}  // namespace tiersync::test
