#include "fakeredisserver.h"

#include "redis/redisreply.h"

#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tiersync::test {

namespace {

// Waits up to 50 ms for fd to become readable, so the thread notices m_stop.
bool waitReadable(int fd)
{
    pollfd pfd{};
    pfd.fd = fd;
    pfd.events = POLLIN;
    return ::poll(&pfd, 1, 50) > 0;
}

}  // namespace

FakeRedisServer::FakeRedisServer(QList<Session> script)
    : m_script(std::move(script))
{
    m_listenFd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ::bind(m_listenFd, reinterpret_cast<sockaddr *>(&address), sizeof(address));
    ::listen(m_listenFd, 16);
    socklen_t length = sizeof(address);
    ::getsockname(m_listenFd, reinterpret_cast<sockaddr *>(&address), &length);
    m_port = ntohs(address.sin_port);
    m_commands.resize(m_script.size());
    m_thread = std::thread([this] { run(); });
}

FakeRedisServer::~FakeRedisServer()
{
    m_stop = true;
    m_thread.join();
    ::close(m_listenFd);
}

QList<QList<QByteArray>> FakeRedisServer::commandNames() const
{
    std::lock_guard lock(m_mutex);
    return m_commands;
}

void FakeRedisServer::run()
{
    for (qsizetype index = 0; index < m_script.size() && !m_stop; ++index) {
        int fd = -1;
        while (fd < 0 && !m_stop) {
            if (waitReadable(m_listenFd))
                fd = ::accept(m_listenFd, nullptr, nullptr);
        }
        if (fd < 0)
            return;
        serve(fd, m_script.at(index), index);
        ::close(fd);
        ++m_finished;
    }
}

void FakeRedisServer::serve(int fd, const Session &session, qsizetype index)
{
    redisReader *reader = redisReaderCreate();
    int answered = 0;
    bool silent = false;
    char buffer[16384];
    while (!m_stop) {
        if (!waitReadable(fd))
            continue;
        const ssize_t got = ::read(fd, buffer, sizeof(buffer));
        if (got <= 0)
            break;  // the client closed
        if (silent)
            continue;
        redisReaderFeed(reader, buffer, size_t(got));
        void *raw = nullptr;
        bool closeNow = false;
        while (redisReaderGetReply(reader, &raw) == REDIS_OK && raw != nullptr) {
            const RedisReply request = RedisReply::takeHiredis(static_cast<redisReply *>(raw));
            raw = nullptr;
            {
                std::lock_guard lock(m_mutex);
                m_commands[index].append(request.elements().isEmpty() ? QByteArray()
                                                                      : request.elements().first().bytes());
            }
            if (session.answer >= 0 && answered >= session.answer) {
                // Nothing (more) to answer: break the connection or ignore the client.
                closeNow = session.closeAfter;
                silent = !session.closeAfter;
                break;
            }
            ++answered;
            if (::send(fd, session.reply.constData(), size_t(session.reply.size()), MSG_NOSIGNAL) < 0
                || (session.closeAfter && answered == session.answer)) {
                closeNow = true;
                break;
            }
        }
        if (closeNow)
            break;
    }
    redisReaderFree(reader);
}

}  // namespace tiersync::test
