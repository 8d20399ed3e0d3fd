#include "privateredisserver.h"

#include "redis/redisconnection.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QStandardPaths>
#include <QTcpServer>
#include <QThread>

#include <algorithm>

namespace tiersync::test {

PrivateRedisServer::PrivateRedisServer() = default;

PrivateRedisServer::~PrivateRedisServer()
{
    kill();
}

quint16 PrivateRedisServer::freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

RedisSettings PrivateRedisServer::settings() const
{
    RedisSettings settings;
    settings.host = QStringLiteral("127.0.0.1");
    settings.port = m_port;
    settings.password = Secret(m_password);
    settings.connectTimeoutMs = 1000;
    settings.commandTimeoutMs = 2000;
    return settings;
}

Status PrivateRedisServer::start(quint16 port, const QString &password, const QStringList &extraArguments)
{
    if (!m_dir.isValid())
        return makeError(ErrorKind::Internal, QStringLiteral("no temporary directory for redis-server"));
    m_port = port != 0 ? port : freePort();
    m_password = password;
    QStringList arguments{QStringLiteral("--port"), QString::number(m_port),
                          QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                          QStringLiteral("--save"), QString(),
                          QStringLiteral("--appendonly"), QStringLiteral("no"),
                          QStringLiteral("--daemonize"), QStringLiteral("no"),
                          QStringLiteral("--dir"), m_dir.path(),
                          QStringLiteral("--logfile"), m_dir.filePath(QStringLiteral("redis.log"))};
    if (!password.isEmpty())
        arguments << QStringLiteral("--requirepass") << password;
    arguments << extraArguments;
    return launch(arguments);
}

Status PrivateRedisServer::startSentinel(const QString &masterName, quint16 masterPort, int downAfterMs, quint16 port)
{
    if (!m_dir.isValid())
        return makeError(ErrorKind::Internal, QStringLiteral("no temporary directory for redis-sentinel"));
    m_port = port != 0 ? port : freePort();
    m_password.clear();
    const QString config = m_dir.filePath(QStringLiteral("sentinel.conf"));
    QFile file(config);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return makeError(ErrorKind::Internal, QStringLiteral("cannot write %1").arg(config));
    const QString name = masterName;
    file.write(QStringLiteral("port %1\n"
                              "bind 127.0.0.1\n"
                              "dir %2\n"
                              "logfile %3\n"
                              "sentinel monitor %4 127.0.0.1 %5 1\n"
                              "sentinel down-after-milliseconds %4 %6\n"
                              "sentinel failover-timeout %4 %7\n"
                              "sentinel parallel-syncs %4 1\n")
                   .arg(m_port)
                   .arg(m_dir.path(), m_dir.filePath(QStringLiteral("sentinel.log")), name)
                   .arg(masterPort)
                   .arg(downAfterMs)
                   .arg(std::max(3 * downAfterMs, 3000))
                   .toUtf8());
    file.close();
    return launch({config, QStringLiteral("--sentinel")});
}

Status PrivateRedisServer::launch(const QStringList &arguments)
{
    const QString program = QStandardPaths::findExecutable(QStringLiteral("redis-server"),
                                                           {QStringLiteral("/usr/bin"), QStringLiteral("/usr/sbin")});
    if (program.isEmpty())
        return makeError(ErrorKind::Unavailable, QStringLiteral("redis-server is not installed"));
    m_process.setProgram(program);
    m_process.setArguments(arguments);
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start();
    if (!m_process.waitForStarted(5000))
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("redis-server did not start: %1").arg(m_process.errorString()));

    // Ready when it answers; give up if it exits (port taken) or takes over 10 s.
    const QDeadlineTimer deadline(10000);
    Error last = makeError(ErrorKind::Unavailable, QStringLiteral("no answer"));
    while (!deadline.hasExpired()) {
        if (m_process.state() != QProcess::Running)
            return makeError(ErrorKind::Unavailable,
                             QStringLiteral("redis-server on port %1 exited (code %2)")
                                 .arg(m_port).arg(m_process.exitCode()));
        RedisConnection probe(settings());
        const Status pong = probe.ping();
        if (pong.ok())
            return {};
        last = pong.error();
        QThread::msleep(20);
    }
    return makeError(ErrorKind::Timeout,
                     QStringLiteral("redis-server on port %1 did not answer: %2").arg(m_port).arg(last.message));
}

void PrivateRedisServer::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.kill();
    m_process.waitForFinished(5000);
}

}  // namespace tiersync::test
