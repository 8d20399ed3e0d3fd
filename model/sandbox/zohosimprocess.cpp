#include "sandbox/zohosimprocess.h"

#include "sandbox/processtools.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QProcess>
#include <QTcpSocket>

namespace tiersync::sandbox {

namespace {

const QString kProcessName = QStringLiteral("zoho-sim");

}  // namespace

ZohoSimProcess::ZohoSimProcess(Options options) : m_options(std::move(options)), m_port(m_options.port) {}

ZohoSettings ZohoSimProcess::credentials()
{
    // Fixed, obviously-fake credentials: the sim is local and holds generated data only.
    ZohoSettings zoho;
    zoho.orgId = QStringLiteral("60000000001");
    zoho.clientId = QStringLiteral("1000.TIERSYNCSANDBOX");
    zoho.clientSecret = Secret(QStringLiteral("sandbox-client-secret"));
    zoho.refreshToken = Secret(QStringLiteral("1000.sandbox-refresh-token"));
    return zoho;
}

ZohoSettings ZohoSimProcess::settings() const
{
    ZohoSettings zoho = credentials();
    const QString base = QStringLiteral("http://127.0.0.1:%1").arg(m_port);
    zoho.apiBase = base;
    zoho.accountsUrl = base;
    return zoho;
}

void ZohoSimProcess::adopt(qint64 pid, int port)
{
    m_pid = pid;
    m_port = port;
}

bool ZohoSimProcess::isRunning() const
{
    return processAlive(m_pid, kProcessName);
}

bool ZohoSimProcess::answers() const
{
    if (m_port <= 0)
        return false;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, quint16(m_port));
    if (!socket.waitForConnected(500))
        return false;
    socket.write("GET /_sim/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QByteArray reply;
    while (reply.size() < 12 && socket.waitForReadyRead(1000))
        reply += socket.readAll();
    return reply.startsWith("HTTP/1.1 200");
}

Status ZohoSimProcess::start(int timeoutMs)
{
    if (m_options.executable.isEmpty() || !QFileInfo(m_options.executable).isExecutable())
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("zoho-sim executable not found (%1); build it or pass --zoho-sim PATH")
                             .arg(m_options.executable));
    if (!QDir().mkpath(m_options.directory))
        return makeError(ErrorKind::Internal, QStringLiteral("cannot create %1").arg(m_options.directory));
    stop();
    const QDir dir(m_options.directory);
    const QString readyFile = dir.filePath(QStringLiteral("zoho-sim.port"));
    QFile::remove(readyFile);

    const ZohoSettings creds = credentials();
    QProcess process;
    process.setProgram(m_options.executable);
    process.setArguments(QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(m_options.port),
                                     QStringLiteral("--ready-file"), readyFile,
                                     QStringLiteral("--client-id"), creds.clientId,
                                     QStringLiteral("--client-secret"), creds.clientSecret.reveal(),
                                     QStringLiteral("--refresh-token"), creds.refreshToken.reveal(),
                                     QStringLiteral("--org-id"), creds.orgId}
                         + m_options.extraArguments);
    process.setStandardOutputFile(dir.filePath(QStringLiteral("zoho-sim.log")), QIODevice::Append);
    process.setStandardErrorFile(dir.filePath(QStringLiteral("zoho-sim.log")), QIODevice::Append);
    process.setStandardInputFile(QProcess::nullDevice());
    if (!process.startDetached(&m_pid))
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("cannot start zoho-sim: %1").arg(process.errorString()));

    const bool ready = waitUntil(
        [&] {
            QFile file(readyFile);
            if (!file.open(QIODevice::ReadOnly))
                return !isRunning();  // stop waiting if it died
            m_port = file.readAll().trimmed().toInt();
            return m_port > 0 && answers();
        },
        timeoutMs);
    if (!ready || !isRunning() || !answers()) {
        stop();
        return makeError(ErrorKind::Unavailable,
                         QStringLiteral("zoho-sim did not start; see %1").arg(dir.filePath(QStringLiteral("zoho-sim.log"))));
    }
    return {};
}

void ZohoSimProcess::stop()
{
    terminateProcess(m_pid, kProcessName, 5000);
    m_pid = 0;
}

}  // namespace tiersync::sandbox
