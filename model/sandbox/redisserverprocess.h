#pragma once

#include "core/result.h"
#include "core/secret.h"

#include <QString>

namespace tiersync::sandbox {

// A private redis-server on 127.0.0.1 with persistence off, daemonised, with its pid
// file, log and working files in one directory. Used by the sandbox and by tests that
// need to stop and restart a server of their own.
class RedisServerProcess final {
public:
    RedisServerProcess(QString directory, int port, Secret password);

    // A Redis ACL user the server starts with, beside the default one: the same password,
    // every key, channel and command. The sandbox's profile connects as it, so every
    // connection the engine makes on the sandbox authenticates as an ACL user.
    void setAclUser(const QString &user) { m_aclUser = user; }

    // Starts the server (finding a free port when port is 0) and waits until it answers.
    [[nodiscard]] Status start(int timeoutMs = 10000);
    // SHUTDOWN NOSAVE, falling back to signals; returns when the process is gone.
    void stop();
    [[nodiscard]] bool isRunning() const;
    // PING (after AUTH when a password is set) answered with PONG.
    [[nodiscard]] bool answers() const;

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] qint64 pid() const;
    [[nodiscard]] const Secret &password() const { return m_password; }
    [[nodiscard]] QString pidFile() const;

private:
    QString m_directory;
    int m_port = 0;
    Secret m_password;
    QString m_aclUser;
};

}  // namespace tiersync::sandbox
