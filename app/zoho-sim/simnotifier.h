#pragma once

#include <QJsonObject>
#include <QString>
#include <QtGlobal>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Client;
}

namespace tiersync::sim {

// Delivers CRM notifications from one sender thread, in the order they were queued, so a
// mutation never waits on a receiver (unless it asks to, through waitDelivered()). Each
// delivery is one JSON POST to a loopback URL; anything else, a refused connection, a
// timeout or a non-2xx answer counts as failed (Zoho does not retry either). stop() ends
// the thread promptly, aborting a delivery in progress. Thread-safe.
class SimNotifier final {
public:
    struct Delivery final {
        QString url;
        std::string body;
        QString orgId;
        QString channelId;
        QString module;
        QString operation;
        int idCount = 0;
    };

    static constexpr int timeoutMs = 5000;
    static constexpr int historySize = 50;

    SimNotifier();
    Q_DISABLE_COPY_MOVE(SimNotifier)
    ~SimNotifier();

    // Queues the deliveries and returns the sequence number of the last one (0: none given).
    quint64 enqueue(std::vector<Delivery> deliveries);
    // Waits until every delivery up to `sequence` is done (sent or failed); false on timeout
    // or stop.
    bool waitDelivered(quint64 sequence, int timeoutMs);
    // Zoho's server_time in epoch ms, strictly increasing across calls (a frozen sim clock
    // still gives two notifications of the same ids distinct times).
    qint64 serverTime(qint64 nowMs);
    // {"sent","failed","pending","last":[{"sequence","org_id","channel_id","module","operation",
    //  "ids","url","status","error"}…]} (oldest first).
    [[nodiscard]] QJsonObject toJson() const;
    void resetCounters();
    void stop();

private:
    struct Queued final {
        quint64 sequence = 0;
        Delivery delivery;
    };

    void run();
    // POSTs one delivery; the status, or 0 with `error` set.
    int post(const Delivery &delivery, QString &error);

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;      // the sender: work or stop
    std::condition_variable m_progress;  // waiters: a delivery finished
    std::deque<Queued> m_queue;
    std::deque<QJsonObject> m_history;
    quint64 m_lastQueued = 0;
    quint64 m_lastDone = 0;
    quint64 m_sent = 0;
    quint64 m_failed = 0;
    qint64 m_lastServerTime = 0;
    bool m_stopping = false;
    httplib::Client *m_current = nullptr;  // the delivery in progress, for stop()
    std::thread m_thread;
};

}  // namespace tiersync::sim
