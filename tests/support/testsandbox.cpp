#include "testsandbox.h"

#include "simtenant.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QMutex>
#include <QProcessEnvironment>

#include <optional>

namespace tiersync::test {

QString sandboxDir()
{
    return qEnvironmentVariable("TIERSYNC_SANDBOX_DIR");
}

Result<QJsonObject> sandboxState()
{
    const QString dir = sandboxDir();
    if (dir.isEmpty())
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("TIERSYNC_SANDBOX_DIR is not set: run integration tests "
                                        "through ctest so the sandbox fixture starts the servers"));
    QFile file(QDir(dir).filePath(QStringLiteral("sandbox.json")));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("no running sandbox in %1 (%2)").arg(dir, file.errorString()));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!doc.isObject())
        return makeError(ErrorKind::Protocol,
                         QStringLiteral("sandbox.json is corrupt: %1").arg(parseError.errorString()));
    return doc.object();
}

Result<ConnectionProfile> sandboxProfile()
{
    auto state = sandboxState();
    if (!state)
        return state.error();
    QProcessEnvironment environment;
    const QJsonObject vars = state->value(QStringLiteral("env")).toObject();
    for (auto it = vars.begin(); it != vars.end(); ++it)
        environment.insert(it.key(), it.value().toString());
    ConnectionProfile profile;
    profile.name = QStringLiteral("sandbox");
    if (auto applied = profile.applyEnvironment(environment); !applied)
        return applied.error();
    // This test class's own organisation on the shared sim, registered once per process.
    static QMutex mutex;
    static std::optional<ZohoSettings> tenant;
    const QMutexLocker locker(&mutex);
    if (!tenant || tenant->apiBase != profile.zoho.apiBase) {
        auto registered = ownSimTenant(profile.zoho, testProcessLabel());
        if (!registered)
            return registered.error();
        tenant = *registered;
    }
    profile.zoho = *tenant;
    return profile;
}

}  // namespace tiersync::test
