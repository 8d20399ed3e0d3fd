#include "privateredisserver.h"

#include "redis/redisconnection.h"

#include <QDeadlineTimer>
#include <QStandardPaths>
#include <QTcpServer>
#include <QThread>

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

Status PrivateRedisServer::start(quint16 port, const QString &password)
{
    if (!m_dir.isValid())
        return makeError(ErrorKind::Internal, QStringLiteral("no temporary directory for redis-server"));
    const QString program = QStandardPaths::findExecutable(QStringLiteral("redis-server"),
                                                           {QStringLiteral("/usr/bin"), QStringLiteral("/usr/sbin")});
    if (program.isEmpty())
        return makeError(ErrorKind::Unavailable, QStringLiteral("redis-server is not installed"));
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
