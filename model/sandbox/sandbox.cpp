#include "sandbox/sandbox.h"

#include "core/logging.h"
#include "sandbox/postgrescluster.h"
#include "sandbox/processtools.h"
#include "sandbox/redisserverprocess.h"
#include "sandbox/zohosimprocess.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace tiersync::sandbox {

namespace {

// The ACL user the sandbox's profile connects as (the default user keeps the same password,
// for the sandbox's own start and stop).
constexpr char kRedisUser[] = "tiersync";

QString redisDirectory(const QString &stateDirectory)
{
    return QDir(stateDirectory).filePath(QStringLiteral("redis"));
}

QString simDirectory(const QString &stateDirectory)
{
    return QDir(stateDirectory).filePath(QStringLiteral("zoho-sim"));
}

// A port we used before, if nobody else holds it now; else 0 (pick a free one).
int reusablePort(int port)
{
    return port > 0 && !loopbackPortInUse(port) ? port : 0;
}

}  // namespace

QString serviceName(Service service)
{
    switch (service) {
    case Service::Redis: return QStringLiteral("redis");
    case Service::Postgres: return QStringLiteral("postgres");
    case Service::ZohoSim: return QStringLiteral("zoho-sim");
    }
    return {};
}

Sandbox::Sandbox(Options options) : m_options(std::move(options))
{
    if (m_options.stateDirectory.isEmpty())
        m_options.stateDirectory = defaultStateDirectory();
    m_options.stateDirectory = QDir(m_options.stateDirectory).absolutePath();
    if (m_options.zohoSimExecutable.isEmpty())
        m_options.zohoSimExecutable = defaultZohoSimExecutable();
}

QString Sandbox::defaultStateDirectory()
{
    // XDG state home (QStandardPaths has no state location before Qt 6.7).
    const QString base = qEnvironmentVariable("XDG_STATE_HOME", QDir::homePath() + QStringLiteral("/.local/state"));
    return QDir(base).filePath(QStringLiteral("tiersync/sandbox"));
}

QString Sandbox::defaultZohoSimExecutable()
{
    const QString dir = QCoreApplication::applicationDirPath();
    const QString sibling = QDir(dir).filePath(QStringLiteral("zoho-sim"));
    if (QFile::exists(sibling))
        return sibling;
    return findExecutable(QStringLiteral("zoho-sim"));
}

Result<SandboxState> Sandbox::up()
{
    const QString stateDir = m_options.stateDirectory;
    if (!QFileInfo(m_options.zohoSimExecutable).isExecutable())
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("zoho-sim executable not found ('%1'); build it or pass --zoho-sim PATH")
                             .arg(m_options.zohoSimExecutable));
    if (!QDir().mkpath(stateDir))
        return makeError(ErrorKind::Internal, QStringLiteral("cannot create %1").arg(stateDir));
    QFile::setPermissions(stateDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    SandboxState state;
    auto previous = SandboxState::load(stateDir);
    if (previous) {
        state = *previous;
        auto current = status();
        if (current && std::all_of(current->cbegin(), current->cend(),
                                   [](const ServiceStatus &s) { return s.answers; }))
            return state;  // already up and healthy
        qCInfo(lcSandbox) << "restarting a sandbox left behind by an earlier run in" << stateDir;
    } else {
        state.stateDirectory = stateDir;
        state.profile.name = QStringLiteral("sandbox");
        state.profile.redis.password = Secret(randomToken(16));
        state.profile.pg.password = Secret(randomToken(16));
    }
    state.stateDirectory = stateDir;
    state.postgresDirectory = PostgresCluster::directoryFor(stateDir);
    if (!previous) {
        // Without the old state we do not know the old cluster's password: start over.
        QDir(state.postgresDirectory).removeRecursively();
    }

    RedisServerProcess redis(redisDirectory(stateDir), reusablePort(state.redisPort), state.profile.redis.password);
    redis.setAclUser(QLatin1String(kRedisUser));
    if (auto started = redis.start(); !started)
        return started.error();

    PostgresCluster postgres(state.postgresDirectory, reusablePort(state.postgresPort), state.profile.pg.password);
    if (auto started = postgres.start(); !started) {
        redis.stop();
        return started.error();
    }

    ZohoSimProcess sim({m_options.zohoSimExecutable, simDirectory(stateDir), reusablePort(state.zohoSimPort),
                        m_options.zohoSimArguments});
    if (previous)
        sim.adopt(previous->zohoSimPid, 0);  // stops a survivor of the earlier run
    if (auto started = sim.start(); !started) {
        redis.stop();
        postgres.stop();
        return started.error();
    }

    state.redisPort = redis.port();
    state.redisPid = redis.pid();
    state.postgresPort = postgres.port();
    state.postgresPid = postgres.pid();
    state.zohoSimPort = sim.port();
    state.zohoSimPid = sim.pid();
    state.profile.redis.host = QStringLiteral("127.0.0.1");
    state.profile.redis.port = redis.port();
    state.profile.redis.db = 0;
    state.profile.redis.username = QLatin1String(kRedisUser);
    state.profile.pg = postgres.settings();
    state.profile.zoho = sim.settings();
    if (auto saved = state.save(); !saved)
        return saved.error();
    return state;
}

Status Sandbox::down(bool keepData)
{
    auto state = SandboxState::load(m_options.stateDirectory);
    if (!state) {
        if (state.error().kind == ErrorKind::NotFound)
            return {};  // nothing to stop
        return state.error();
    }
    ZohoSimProcess sim({m_options.zohoSimExecutable, simDirectory(state->stateDirectory), 0, {}});
    sim.adopt(state->zohoSimPid, state->zohoSimPort);
    sim.stop();
    RedisServerProcess(redisDirectory(state->stateDirectory), state->redisPort, state->profile.redis.password).stop();
    PostgresCluster(state->postgresDirectory, state->postgresPort, state->profile.pg.password).stop();
    if (keepData)
        return {};
    QFile::remove(SandboxState::fileIn(state->stateDirectory));
    QDir(state->postgresDirectory).removeRecursively();
    QDir(redisDirectory(state->stateDirectory)).removeRecursively();
    QDir(simDirectory(state->stateDirectory)).removeRecursively();
    return {};
}

Result<QList<Sandbox::ServiceStatus>> Sandbox::status() const
{
    auto state = SandboxState::load(m_options.stateDirectory);
    if (!state)
        return state.error();
    RedisServerProcess redis(redisDirectory(state->stateDirectory), state->redisPort, state->profile.redis.password);
    PostgresCluster postgres(state->postgresDirectory, state->postgresPort, state->profile.pg.password);
    ZohoSimProcess sim({m_options.zohoSimExecutable, simDirectory(state->stateDirectory), 0, {}});
    sim.adopt(state->zohoSimPid, state->zohoSimPort);
    return QList<ServiceStatus>{
        {Service::Redis, redis.port(), redis.pid(), redis.isRunning(), redis.isRunning() && redis.answers()},
        {Service::Postgres, postgres.port(), postgres.pid(), postgres.isRunning(),
         postgres.isRunning() && postgres.answers()},
        {Service::ZohoSim, sim.port(), sim.pid(), sim.isRunning(), sim.isRunning() && sim.answers()},
    };
}

Status Sandbox::stopService(Service service)
{
    auto state = SandboxState::load(m_options.stateDirectory);
    if (!state)
        return state.error();
    switch (service) {
    case Service::Redis:
        RedisServerProcess(redisDirectory(state->stateDirectory), state->redisPort, state->profile.redis.password)
            .stop();
        break;
    case Service::Postgres:
        PostgresCluster(state->postgresDirectory, state->postgresPort, state->profile.pg.password).stop();
        break;
    case Service::ZohoSim: {
        ZohoSimProcess sim({m_options.zohoSimExecutable, simDirectory(state->stateDirectory), 0, {}});
        sim.adopt(state->zohoSimPid, state->zohoSimPort);
        sim.stop();
        break;
    }
    }
    return {};
}

Status Sandbox::startService(Service service)
{
    auto state = SandboxState::load(m_options.stateDirectory);
    if (!state)
        return state.error();
    switch (service) {
    case Service::Redis: {
        RedisServerProcess redis(redisDirectory(state->stateDirectory), state->redisPort,
                                 state->profile.redis.password);
        redis.setAclUser(QLatin1String(kRedisUser));
        if (auto started = redis.start(); !started)
            return started;
        if (redis.port() != state->redisPort)
            return makeError(ErrorKind::Conflict, QStringLiteral("redis port %1 was taken").arg(state->redisPort));
        state->redisPid = redis.pid();
        break;
    }
    case Service::Postgres: {
        PostgresCluster postgres(state->postgresDirectory, state->postgresPort, state->profile.pg.password);
        if (auto started = postgres.start(); !started)
            return started;
        if (postgres.port() != state->postgresPort)
            return makeError(ErrorKind::Conflict,
                             QStringLiteral("PostgreSQL port %1 was taken").arg(state->postgresPort));
        state->postgresPid = postgres.pid();
        break;
    }
    case Service::ZohoSim: {
        ZohoSimProcess sim({m_options.zohoSimExecutable, simDirectory(state->stateDirectory), state->zohoSimPort,
                            m_options.zohoSimArguments});
        if (auto started = sim.start(); !started)
            return started;
        state->zohoSimPid = sim.pid();
        break;
    }
    }
    return state->save();
}

}  // namespace tiersync::sandbox
