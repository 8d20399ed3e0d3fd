#include "sandbox/redisserverprocess.h"

#include "core/logging.h"
#include "sandbox/processtools.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QTcpSocket>

namespace tiersync::sandbox {

namespace {

const QString kProcessName = QStringLiteral("redis-server");

QByteArray resp(const QList<QByteArray> &argv)
{
    QByteArray out = "*" + QByteArray::number(argv.size()) + "\r\n";
    for (const QByteArray &arg : argv)
        out += "$" + QByteArray::number(arg.size()) + "\r\n" + arg + "\r\n";
    return out;
}

}  // namespace

RedisServerProcess::RedisServerProcess(QString directory, int port, Secret password)
    : m_directory(std::move(directory)), m_port(port), m_password(std::move(password))
{
}

QString RedisServerProcess::pidFile() const
{
    return QDir(m_directory).filePath(QStringLiteral("redis.pid"));
}

qint64 RedisServerProcess::pid() const
{
    return readPidFile(pidFile());
}

bool RedisServerProcess::isRunning() const
{
    return processAlive(pid(), kProcessName);
}

Status RedisServerProcess::start(int timeoutMs)
{
    if (!QDir().mkpath(m_directory))
        return makeError(ErrorKind::Internal, QStringLiteral("cannot create %1").arg(m_directory));
    const QString server = findExecutable(kProcessName, {QStringLiteral("/usr/bin"), QStringLiteral("/usr/sbin")});
    if (server.isEmpty())
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("redis-server is not installed (run ./packaging/dev.sh)"));
    if (isRunning())
        stop();
    QFile::remove(pidFile());

    // A port found free can be taken before redis binds it; try a few.
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (m_port == 0 || attempt > 0) {
            auto port = findFreeLoopbackPort();
            if (!port)
                return port.error();
            m_port = *port;
        }
        QStringList args{QStringLiteral("--port"), QString::number(m_port),
                         QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                         QStringLiteral("--save"), QString(),
                         QStringLiteral("--appendonly"), QStringLiteral("no"),
                         QStringLiteral("--daemonize"), QStringLiteral("yes"),
                         QStringLiteral("--pidfile"), pidFile(),
                         QStringLiteral("--logfile"), QDir(m_directory).filePath(QStringLiteral("redis.log")),
                         QStringLiteral("--dir"), m_directory,
                         // One database per test class that flushes one (tests pick theirs in 0..127).
                         QStringLiteral("--databases"), QStringLiteral("128")};
        if (!m_password.isEmpty())
            args << QStringLiteral("--requirepass") << m_password.reveal();
        if (!m_aclUser.isEmpty())
            args << QStringLiteral("--user") << m_aclUser << QStringLiteral("on")
                 << (m_password.isEmpty() ? QStringLiteral("nopass") : QLatin1Char('>') + m_password.reveal())
                 << QStringLiteral("~*") << QStringLiteral("&*") << QStringLiteral("+@all");
        auto ran = runCommand(server, args, 10000);
        if (!ran)
            return ran.error();
        if (waitUntil([this] { return answers(); }, timeoutMs))
            return {};
        qCWarning(lcSandbox) << "redis-server did not answer on port" << m_port << "- retrying";
        stop();
    }
    return makeError(ErrorKind::Unavailable,
                     QStringLiteral("redis-server did not start; see %1/redis.log").arg(m_directory));
}

void RedisServerProcess::stop()
{
    const qint64 serverPid = pid();
    if (!processAlive(serverPid, kProcessName))
        return;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, quint16(m_port));
    if (socket.waitForConnected(1000)) {
        QByteArray request;
        if (!m_password.isEmpty())
            request += resp({"AUTH", m_password.reveal().toUtf8()});
        request += resp({"SHUTDOWN", "NOSAVE"});
        socket.write(request);
        socket.waitForBytesWritten(1000);
        socket.waitForDisconnected(2000);
    }
    terminateProcess(serverPid, kProcessName, 3000);
    QFile::remove(pidFile());
}

bool RedisServerProcess::answers() const
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, quint16(m_port));
    if (!socket.waitForConnected(500))
        return false;
    QByteArray request;
    if (!m_password.isEmpty())
        request += resp({"AUTH", m_password.reveal().toUtf8()});
    request += resp({"PING"});
    socket.write(request);
    QByteArray reply;
    while (!reply.contains("+PONG") && !reply.contains("-") && socket.waitForReadyRead(500))
        reply += socket.readAll();
    return reply.contains("+PONG");
}

}  // namespace tiersync::sandbox
