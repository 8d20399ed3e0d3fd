#include "sandbox/sandboxstate.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

namespace tiersync::sandbox {

QJsonObject SandboxState::toJson() const
{
    QJsonObject env;
    for (const auto &[name, value] : profile.toEnvironment())
        env.insert(name, value);
    return QJsonObject{
        {QStringLiteral("state_dir"), stateDirectory},
        {QStringLiteral("redis"), QJsonObject{{QStringLiteral("port"), redisPort},
                                              {QStringLiteral("pid"), double(redisPid)}}},
        {QStringLiteral("postgres"), QJsonObject{{QStringLiteral("port"), postgresPort},
                                                 {QStringLiteral("pid"), double(postgresPid)},
                                                 {QStringLiteral("directory"), postgresDirectory}}},
        {QStringLiteral("zoho_sim"), QJsonObject{{QStringLiteral("port"), zohoSimPort},
                                                 {QStringLiteral("pid"), double(zohoSimPid)}}},
        {QStringLiteral("env"), env},
    };
}

Result<SandboxState> SandboxState::fromJson(const QJsonObject &json)
{
    SandboxState state;
    state.stateDirectory = json.value(QStringLiteral("state_dir")).toString();
    const QJsonObject redis = json.value(QStringLiteral("redis")).toObject();
    const QJsonObject postgres = json.value(QStringLiteral("postgres")).toObject();
    const QJsonObject sim = json.value(QStringLiteral("zoho_sim")).toObject();
    state.redisPort = redis.value(QStringLiteral("port")).toInt();
    state.redisPid = qint64(redis.value(QStringLiteral("pid")).toDouble());
    state.postgresPort = postgres.value(QStringLiteral("port")).toInt();
    state.postgresPid = qint64(postgres.value(QStringLiteral("pid")).toDouble());
    state.postgresDirectory = postgres.value(QStringLiteral("directory")).toString();
    state.zohoSimPort = sim.value(QStringLiteral("port")).toInt();
    state.zohoSimPid = qint64(sim.value(QStringLiteral("pid")).toDouble());

    QProcessEnvironment environment;
    const QJsonObject env = json.value(QStringLiteral("env")).toObject();
    for (auto it = env.begin(); it != env.end(); ++it)
        environment.insert(it.key(), it.value().toString());
    state.profile.name = QStringLiteral("sandbox");
    if (auto applied = state.profile.applyEnvironment(environment); !applied)
        return applied.error();
    return state;
}

QString SandboxState::fileIn(const QString &stateDirectory)
{
    return QDir(stateDirectory).filePath(QStringLiteral("sandbox.json"));
}

Result<SandboxState> SandboxState::load(const QString &stateDirectory)
{
    QFile file(fileIn(stateDirectory));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorKind::NotFound, QStringLiteral("no sandbox in %1").arg(stateDirectory));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (!doc.isObject())
        return makeError(ErrorKind::Protocol,
                         QStringLiteral("%1 is corrupt: %2").arg(file.fileName(), error.errorString()));
    return fromJson(doc.object());
}

Status SandboxState::save() const
{
    QSaveFile file(fileIn(stateDirectory));
    if (!file.open(QIODevice::WriteOnly))
        return makeError(ErrorKind::Internal,
                         QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    file.write(QJsonDocument(toJson()).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return makeError(ErrorKind::Internal,
                         QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString()));
    return {};
}

}  // namespace tiersync::sandbox
