#include "testsshd.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QSet>
#include <QTcpServer>
#include <QThread>

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tiersync::test {

namespace {

constexpr char kSshd[] = "/usr/sbin/sshd";
constexpr char kPrivsepDir[] = "/run/sshd";
constexpr int kWaitMs = 20000;

Result<QByteArray> runTool(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(kWaitMs) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return makeError(ErrorKind::Internal, QStringLiteral("%1 %2 failed: %3 %4")
                                                  .arg(program, arguments.join(QLatin1Char(' ')), process.errorString(),
                                                       QString::fromLocal8Bit(process.readAllStandardError())));
    return process.readAllStandardOutput();
}

// The parent pid and state of pid from /proc/PID/stat ("pid (comm) S ppid ...").
bool readStat(qint64 pid, qint64 *ppid, char *state)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = file.readAll();
    const qsizetype close = text.lastIndexOf(')');
    if (close < 0)
        return false;
    const QList<QByteArray> fields = text.mid(close + 2).split(' ');
    if (fields.size() < 2)
        return false;
    *state = fields.at(0).isEmpty() ? '?' : fields.at(0).at(0);
    *ppid = fields.at(1).toLongLong();
    return true;
}

bool isGone(qint64 pid)
{
    qint64 ppid = 0;
    char state = '?';
    return !readStat(pid, &ppid, &state) || state == 'Z' || state == 'X';
}

}  // namespace

TestSshd::TestSshd(QString dir) : m_dir(std::move(dir)) {}

TestSshd::~TestSshd()
{
    stop();
}

QString TestSshd::destination() const
{
    return QStringLiteral("%1@127.0.0.1:%2").arg(m_user).arg(m_port);
}

QString TestSshd::userKeyFile() const
{
    return m_dir + QStringLiteral("/user_ed25519");
}

Status TestSshd::generateKey(const QString &file, const QString &passphrase)
{
    QFile::remove(file);
    QFile::remove(file + QStringLiteral(".pub"));
    auto made = runTool(QStringLiteral("ssh-keygen"), {QStringLiteral("-q"), QStringLiteral("-t"), QStringLiteral("ed25519"),
                                                       QStringLiteral("-N"), passphrase, QStringLiteral("-C"),
                                                       QStringLiteral("tiersync-test"), QStringLiteral("-f"), file});
    if (!made)
        return made.error();
    return {};
}

Result<QString> TestSshd::publicKey(const QString &file)
{
    QFile pub(file + QStringLiteral(".pub"));
    if (!pub.open(QIODevice::ReadOnly))
        return makeError(ErrorKind::NotFound, QStringLiteral("cannot read %1.pub").arg(file));
    const QList<QByteArray> fields = pub.readAll().trimmed().split(' ');
    if (fields.size() < 2)
        return makeError(ErrorKind::Protocol, QStringLiteral("%1.pub is not a public key").arg(file));
    return QString::fromLatin1(fields.at(0) + ' ' + fields.at(1));
}

Result<std::unique_ptr<TestSshd>> TestSshd::start(const QString &dir)
{
    if (!QFile::exists(QLatin1String(kSshd)))
        return makeError(ErrorKind::NotFound, QStringLiteral("%1 is missing (Debian package openssh-server)").arg(kSshd));
    std::unique_ptr<TestSshd> sshd(new TestSshd(dir));
    const passwd *entry = ::getpwuid(::geteuid());
    if (!entry)
        return makeError(ErrorKind::Internal, QStringLiteral("who am I? getpwuid failed"));
    sshd->m_user = QString::fromLocal8Bit(entry->pw_name);

    const QString hostKey = dir + QStringLiteral("/host_ed25519");
    for (const QString &file : {hostKey, sshd->userKeyFile()}) {
        if (auto made = generateKey(file, {}); !made)
            return made.error();
    }
    auto userKey = publicKey(sshd->userKeyFile());
    auto hostPublic = publicKey(hostKey);
    if (!userKey || !hostPublic)
        return makeError(ErrorKind::Internal, QStringLiteral("cannot read the generated keys"));
    sshd->m_hostPublicKey = *hostPublic;
    QFile authorized(dir + QStringLiteral("/authorized_keys"));
    if (!authorized.open(QIODevice::WriteOnly) || authorized.write((*userKey + QLatin1Char('\n')).toLatin1()) < 0)
        return makeError(ErrorKind::Internal, QStringLiteral("cannot write authorized_keys"));
    authorized.close();
    auto listed = runTool(QStringLiteral("ssh-keygen"),
                          {QStringLiteral("-l"), QStringLiteral("-E"), QStringLiteral("sha256"), QStringLiteral("-f"),
                           hostKey + QStringLiteral(".pub")});
    if (!listed)
        return listed.error();
    sshd->m_hostFingerprint = QString::fromLatin1(listed->split(' ').value(1));

    // sshd insists on its privilege separation directory when it runs as root; a fresh
    // Debian root (CI) has none until a service manager makes it.
    if (::geteuid() == 0 && !QFileInfo::exists(QLatin1String(kPrivsepDir))) {
        if (::mkdir(kPrivsepDir, 0755) != 0)
            return makeError(ErrorKind::Internal, QStringLiteral("sshd needs %1 and it cannot be made").arg(kPrivsepDir));
    }

    QTcpServer probe;  // a free port: sshd binds it with SO_REUSEADDR right after
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return makeError(ErrorKind::Internal, QStringLiteral("no free port on 127.0.0.1"));
    sshd->m_port = probe.serverPort();
    probe.close();

    QFile config(dir + QStringLiteral("/sshd_config"));
    if (!config.open(QIODevice::WriteOnly))
        return makeError(ErrorKind::Internal, QStringLiteral("cannot write sshd_config"));
    config.write(QStringLiteral("Port %1\n"
                                "ListenAddress 127.0.0.1\n"
                                "HostKey %2\n"
                                "AuthorizedKeysFile %3/authorized_keys\n"
                                "PidFile none\n"
                                "UsePAM no\n"
                                "StrictModes no\n"
                                "PubkeyAuthentication yes\n"
                                "PasswordAuthentication no\n"
                                "KbdInteractiveAuthentication no\n"
                                "PermitRootLogin prohibit-password\n"
                                "AllowTcpForwarding yes\n"
                                "X11Forwarding no\n"
                                "AllowAgentForwarding no\n"
                                "PrintMotd no\n"
                                "LogLevel INFO\n")
                     .arg(sshd->m_port)
                     .arg(hostKey, dir)
                     .toUtf8());
    config.close();
    if (auto launched = sshd->launch(); !launched)
        return launched.error();
    return sshd;
}

Status TestSshd::launch()
{
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_process->setReadChannel(QProcess::StandardError);  // where -e logs, and what waitForReadyRead() waits for
    m_process->start(QLatin1String(kSshd),
                     {QStringLiteral("-D"), QStringLiteral("-e"), QStringLiteral("-f"), m_dir + QStringLiteral("/sshd_config")});
    if (!m_process->waitForStarted(kWaitMs))
        return makeError(ErrorKind::Unavailable, QStringLiteral("sshd did not start: %1").arg(m_process->errorString()));
    // Ready when it says it listens; a config or key it rejects ends it with the reason.
    QByteArray log;
    const QByteArray ready = QStringLiteral("Server listening on 127.0.0.1 port %1.").arg(m_port).toLatin1();
    while (!log.contains(ready)) {
        if (m_process->state() != QProcess::Running || !m_process->waitForReadyRead(kWaitMs)) {
            log += m_process->readAllStandardError();
            stop();
            return makeError(ErrorKind::Unavailable, QStringLiteral("sshd did not come up: %1").arg(QString::fromLocal8Bit(log)));
        }
        log += m_process->readAllStandardError();
    }
    return {};
}

QList<qint64> TestSshd::processTree() const
{
    QList<qint64> tree;
    if (!m_process || m_process->state() == QProcess::NotRunning)
        return tree;
    tree.append(m_process->processId());
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (bool grew = true; grew;) {
        grew = false;
        for (const QString &entry : entries) {
            bool numeric = false;
            const qint64 pid = entry.toLongLong(&numeric);
            qint64 ppid = 0;
            char state = '?';
            if (!numeric || tree.contains(pid) || !readStat(pid, &ppid, &state) || state == 'Z')
                continue;
            if (tree.contains(ppid)) {
                tree.append(pid);
                grew = true;
            }
        }
    }
    return tree;
}

void TestSshd::stop()
{
    if (!m_process)
        return;
    // All of it first: killed parents orphan their children. SIGKILL, as a crash or a lost
    // network would end them: a session process (for root it is the monitor itself) may
    // miss a SIGTERM that lands outside its ppoll() until its next wake-up, seconds later.
    const QList<qint64> tree = processTree();
    for (const qint64 pid : tree)
        ::kill(pid_t(pid), SIGKILL);
    m_process->waitForFinished(kWaitMs);
    for (const qint64 pid : tree) {
        for (int waited = 0; !isGone(pid) && waited < kWaitMs; waited += 10)
            QThread::msleep(10);
    }
    m_process.reset();
}

Status TestSshd::restart()
{
    stop();
    return launch();
}

QList<qint64> socketOwners(int localPort)
{
    QSet<QByteArray> inodes;
    QFile table(QStringLiteral("/proc/net/tcp"));
    if (!table.open(QIODevice::ReadOnly))
        return {};
    const QByteArray local = QByteArray("0100007F:") + QByteArray::number(localPort, 16).toUpper().rightJustified(4, '0');
    for (const QByteArray &line : table.readAll().split('\n')) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (fields.size() > 9 && fields.at(1) == local)
            inodes.insert(QByteArray("socket:[") + fields.at(9) + ']');
    }
    QList<qint64> owners;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        if (!numeric)
            continue;
        const QString fdDir = QStringLiteral("/proc/%1/fd").arg(pid);
        for (const QString &fd : QDir(fdDir).entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot)) {
            char target[64] = {};
            const QByteArray path = QFile::encodeName(fdDir + QLatin1Char('/') + fd);
            const ssize_t length = ::readlink(path.constData(), target, sizeof target - 1);
            if (length > 0 && inodes.contains(QByteArray(target, length))) {
                owners.append(pid);
                break;
            }
        }
    }
    return owners;
}

QString processName(qint64 pid)
{
    QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
    if (!comm.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLocal8Bit(comm.readAll().trimmed());
}

}  // namespace tiersync::test
