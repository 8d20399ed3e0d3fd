#pragma once

#include "core/connectionprofile.h"
#include "core/result.h"

#include <QString>

#include <memory>

namespace tiersync::test {

class PgTestDatabase;

// The fixture's sandbox as one test class sees it: its own Redis database (flushed on creation),
// a scratch PostgreSQL database (dropped with this object) and a new zoho-sim tenant (simtenant.h),
// so test classes never see each other's keys, rows or Zoho limits (nor a flushed budget's).
class ScratchProfile final {
public:
    // Empty: the code under test migrates the database itself.
    enum class Schema { Migrated, Empty };

    // name is the profile's name and the scratch database's prefix.
    [[nodiscard]] static Result<std::unique_ptr<ScratchProfile>> create(const ConnectionProfile &sandbox,
                                                                        const QString &name, int redisDb,
                                                                        Schema schema = Schema::Migrated);
    ~ScratchProfile();
    Q_DISABLE_COPY_MOVE(ScratchProfile)

    [[nodiscard]] const ConnectionProfile &profile() const { return m_profile; }
    // The sandbox's PostgreSQL server, for further scratch databases.
    [[nodiscard]] const PgSettings &server() const { return m_server; }

private:
    ScratchProfile(ConnectionProfile profile, PgSettings server, std::unique_ptr<PgTestDatabase> database);

    ConnectionProfile m_profile;
    PgSettings m_server;
    std::unique_ptr<PgTestDatabase> m_database;
};

}  // namespace tiersync::test
