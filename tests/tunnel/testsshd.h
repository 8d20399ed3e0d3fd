#pragma once

#include "core/result.h"

#include <QList>
#include <QProcess>
#include <QString>

#include <memory>

namespace tiersync::test {

// A private sshd on 127.0.0.1 for the tunnel tests (Debian's openssh-server): its host key,
// the user's key and authorized_keys made with ssh-keygen in dir, started as
// `/usr/sbin/sshd -D -e -f CONFIG` in the foreground and stopped by pid (its session
// processes too). Logs in as the user running the test (root in CI). Never the system's sshd.
class TestSshd final {
public:
    // Generates the keys in dir (which must exist) and starts sshd on a free port.
    [[nodiscard]] static Result<std::unique_ptr<TestSshd>> start(const QString &dir);
    ~TestSshd();
    Q_DISABLE_COPY_MOVE(TestSshd)

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] QString user() const { return m_user; }
    // user@127.0.0.1:port
    [[nodiscard]] QString destination() const;
    // The authorized key (no passphrase).
    [[nodiscard]] QString userKeyFile() const;
    // As ssh-keygen -lf prints it: SHA256:...
    [[nodiscard]] QString hostKeyFingerprint() const { return m_hostFingerprint; }
    // "ssh-ed25519 AAAA..." of the host key.
    [[nodiscard]] QString hostPublicKey() const { return m_hostPublicKey; }

    // Kills sshd and every session process it forked (SIGKILL: their connections drop as in
    // a crash or a lost network), and waits until they are gone.
    void stop();
    // stop(), then the same sshd on the same port again.
    [[nodiscard]] Status restart();
    // Pids of sshd and its session processes now.
    [[nodiscard]] QList<qint64> processTree() const;

    // ssh-keygen -t ed25519 into file (file.pub beside it); passphrase may be empty.
    [[nodiscard]] static Status generateKey(const QString &file, const QString &passphrase);
    // "ssh-ed25519 AAAA..." (no comment) of file.pub.
    [[nodiscard]] static Result<QString> publicKey(const QString &file);

private:
    explicit TestSshd(QString dir);
    [[nodiscard]] Status launch();

    QString m_dir;
    QString m_user;
    int m_port = 0;
    QString m_hostFingerprint;
    QString m_hostPublicKey;
    std::unique_ptr<QProcess> m_process;
};

// Pids of the processes that hold the TCP socket bound to 127.0.0.1:localPort (read from
// /proc; root sees every process).
[[nodiscard]] QList<qint64> socketOwners(int localPort);
// The command name (/proc/PID/comm) of pid.
[[nodiscard]] QString processName(qint64 pid);

}  // namespace tiersync::test
