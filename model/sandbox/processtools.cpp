#include "sandbox/processtools.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <csignal>
#include <sys/types.h>
#include <unistd.h>

namespace tiersync::sandbox {

bool runningAsRoot()
{
    return ::geteuid() == 0;
}

Result<CommandOutput> runCommand(const QString &program, const QStringList &arguments, int timeoutMs,
                                 bool asPostgres)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    if (asPostgres && runningAsRoot()) {
        QStringList wrapped{QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"), program};
        wrapped += arguments;
        process.start(QStringLiteral("runuser"), wrapped);
    } else {
        process.start(program, arguments);
    }
    if (!process.waitForStarted(5000))
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("cannot start %1: %2").arg(program, process.errorString()));
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(2000);
        return makeError(ErrorKind::Timeout,
                         QStringLiteral("%1 did not finish within %2 ms").arg(program).arg(timeoutMs));
    }
    CommandOutput result;
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.output = process.readAll();
    return result;
}

bool processAlive(qint64 pid, const QString &expectedName)
{
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0)
        return false;
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (!cmdline.open(QIODevice::ReadOnly))
        return false;
    QByteArray text = cmdline.readAll();
    text.replace('\0', ' ');
    // A zombie has an empty cmdline: it is gone for our purposes.
    return !text.isEmpty() && text.contains(expectedName.toUtf8());
}

void terminateProcess(qint64 pid, const QString &expectedName, int graceMs)
{
    if (!processAlive(pid, expectedName))
        return;
    ::kill(pid_t(pid), SIGTERM);
    if (waitUntil([&] { return !processAlive(pid, expectedName); }, graceMs))
        return;
    ::kill(pid_t(pid), SIGKILL);
    (void)waitUntil([&] { return !processAlive(pid, expectedName); }, 5000);
}

Result<int> findFreeLoopbackPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("no free loopback port: %1").arg(server.errorString()));
    return int(server.serverPort());
}

bool loopbackPortInUse(int port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, quint16(port));
    return socket.waitForConnected(200);
}

bool waitUntil(const std::function<bool()> &predicate, int timeoutMs, int pollMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (true) {
        if (predicate())
            return true;
        if (deadline.hasExpired())
            return false;
        QThread::msleep(ulong(pollMs));
    }
}

qint64 readPidFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    bool ok = false;
    const qint64 pid = file.readLine().trimmed().toLongLong(&ok);
    return ok ? pid : 0;
}

QString findExecutable(const QString &name, const QStringList &extraDirs)
{
    QString found = QStandardPaths::findExecutable(name, extraDirs);
    if (found.isEmpty())
        found = QStandardPaths::findExecutable(name);
    return found;
}

QString randomToken(int bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(raw.data()),
                                         reinterpret_cast<quint32 *>(raw.data()) + bytes / 4);
    return QString::fromLatin1(raw.toHex());
}

}  // namespace tiersync::sandbox
