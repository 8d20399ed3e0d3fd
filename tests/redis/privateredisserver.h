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

    // Starts on port (0 = a free one) and waits until it answers PING.
    [[nodiscard]] Status start(quint16 port = 0, const QString &password = {});
    // SIGKILL, like a crash: no goodbye to clients.
    void kill();

    [[nodiscard]] quint16 port() const { return m_port; }
    [[nodiscard]] qint64 pid() const { return m_process.processId(); }
    [[nodiscard]] RedisSettings settings() const;

    [[nodiscard]] static quint16 freePort();

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
    QString m_password;
};

}  // namespace tiersync::test
