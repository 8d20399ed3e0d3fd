#pragma once

#include <QByteArray>
#include <QList>

#include <atomic>
#include <mutex>
#include <thread>

namespace tiersync::test {

// A loopback TCP server that plays a script of connections, to put a RedisConnection
// through faults a real server will not produce on cue: a connection that breaks while
// a command is in flight, one that answers part of a pipeline, one that never answers.
// It parses requests with hiredis's reader and records every command it received.
class FakeRedisServer final {
public:
    struct Session {
        int answer = -1;          // commands to answer with reply (-1 = all of them)
        QByteArray reply = "+OK\r\n";
        bool closeAfter = true;   // once `answer` replies are sent: close at once, or go silent
    };

    explicit FakeRedisServer(QList<Session> script);
    ~FakeRedisServer();
    Q_DISABLE_COPY_MOVE(FakeRedisServer)

    [[nodiscard]] quint16 port() const { return m_port; }
    // Sessions whose connection has ended (closed by either side).
    [[nodiscard]] int finishedSessions() const { return m_finished.load(); }
    // The name (first word) of every command received, per session, in order.
    [[nodiscard]] QList<QList<QByteArray>> commandNames() const;

private:
    void run();
    void serve(int fd, const Session &session, qsizetype index);

    QList<Session> m_script;
    int m_listenFd = -1;
    quint16 m_port = 0;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_finished{0};
    mutable std::mutex m_mutex;
    QList<QList<QByteArray>> m_commands;
    std::thread m_thread;
};

}  // namespace tiersync::test
