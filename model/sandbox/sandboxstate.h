#pragma once

#include "core/connectionprofile.h"
#include "core/result.h"

#include <QJsonObject>
#include <QString>

namespace tiersync::sandbox {

// What `tiersync sandbox up` started, as written to <state dir>/sandbox.json (mode 0600:
// it holds the sandbox passwords). Read by `down`, `status`, `env` and by test fixtures.
struct SandboxState final {
    QString stateDirectory;
    int redisPort = 0;
    qint64 redisPid = 0;
    QString postgresDirectory;
    int postgresPort = 0;
    qint64 postgresPid = 0;
    int zohoSimPort = 0;
    qint64 zohoSimPid = 0;
    ConnectionProfile profile;  // how to reach all three

    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static Result<SandboxState> fromJson(const QJsonObject &json);

    [[nodiscard]] static QString fileIn(const QString &stateDirectory);
    [[nodiscard]] static Result<SandboxState> load(const QString &stateDirectory);
    [[nodiscard]] Status save() const;
};

}  // namespace tiersync::sandbox
