#pragma once

#include "core/redissettings.h"
#include "core/result.h"

#include <QProcess>
#include <QTemporaryDir>

namespace tiersync::test {

// A redis-server of the test's own (persistence off, in a temporary directory), for
// what must not happen to the shared sandbox server: being killed and restarted,
// requiring a password.
class PrivateRedisServer final {
public:
    PrivateRedisServer();
    ~PrivateRedisServer();
    Q_DISABLE_COPY_MOVE(PrivateRedisServer)

    // Starts on port (0 = a free one) and waits until it answers PING. extraArguments go
    // to redis-server as they are ("--replicaof", "127.0.0.1 6380").
    [[nodiscard]] Status start(quint16 port = 0, const QString &password = {}, const QStringList &extraArguments = {});
    // A Redis Sentinel of its own (redis-server --sentinel, a config file in the temporary
    // directory, which Sentinel rewrites) monitoring masterName at 127.0.0.1:masterPort with
    // a quorum of 1: it calls the master down after downAfterMs without an answer.
    [[nodiscard]] Status startSentinel(const QString &masterName, quint16 masterPort, int downAfterMs,
                                       quint16 port = 0);
    // SIGKILL, like a crash: no goodbye to clients.
    void kill();

    [[nodiscard]] quint16 port() const { return m_port; }
    [[nodiscard]] qint64 pid() const { return m_process.processId(); }
    [[nodiscard]] RedisSettings settings() const;

    [[nodiscard]] static quint16 freePort();

private:
    [[nodiscard]] Status launch(const QStringList &arguments);

    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
    QString m_password;
};

}  // namespace tiersync::test
