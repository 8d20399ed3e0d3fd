#pragma once

#include "core/connectionprofile.h"
#include "core/epochclock.h"
#include "core/secret.h"
#include "host/engineservices.h"

#include <QObject>
#include <QString>

#include <memory>

namespace tiersync {

class ServeStack;

// The console's own `tiersync serve` (ServeStack), for `./packaging/dev.sh run`: the
// dashboard API on a loopback port, so the traffic generator has something to read
// and the charts move. Lives on a worker thread (WorkerThreads); the stack's engine
// listeners run on that thread's event loop. Deleting it stops the server.
//
// Like `tiersync serve` it asks for API keys (the keys in tiersync.api_keys work), and it
// also takes one key of its own: made at construction from the OS's CSPRNG, held only in
// this object's memory, never stored, accepted by this server alone, gone when the console
// exits. The traffic generator presents it. A stored key would need the admin to make one
// first, or the console to write a key it cannot show anyone into PostgreSQL, where every
// other server would accept it too; --no-auth would open the port to every local user.
class EmbeddedServer final : public QObject {
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EmbeddedServer)

public:
    explicit EmbeddedServer(QObject *parent = nullptr);
    ~EmbeddedServer() override;

    // Before it moves to its thread; tests pin "now" (ServeStack::Options::clock).
    void setClock(EpochClock clock);
    // The console's one pool of services (before the worker moves to its thread): the
    // server reads through the same Zoho client as the console's pages.
    void setServicesPool(std::shared_ptr<tiersync::EngineServicesPool> pool);
    // Also run the due schedules (ServeStack::Options::runSchedules), as `tiersync serve`
    // does: on for dev.sh run's sandbox, where the console is the only process, so the
    // feeds stay within their lag; off by default (an admin's console on production
    // leaves the schedules to the servers).
    void setRunSchedules(bool run);
    // The key this server alone accepts (read and metrics scopes). Set at construction and
    // never changed: readable from any thread.
    [[nodiscard]] const Secret &apiKey() const;

public Q_SLOTS:
    // Starts (or restarts, on a new profile) the stack on host:port (port 0: any free).
    void start(const tiersync::ConnectionProfile &profile, const QString &host, int port);
    void stop();

Q_SIGNALS:
    void started(const QString &url);
    void failed(const QString &message);

private:
    EpochClock m_clock;
    std::shared_ptr<EngineServicesPool> m_pool;
    bool m_runSchedules = false;
    const Secret m_apiKey;
    std::unique_ptr<ServeStack> m_stack;
};

}  // namespace tiersync
