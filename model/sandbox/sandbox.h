#pragma once

#include "core/result.h"
#include "sandbox/sandboxstate.h"

#include <QString>
#include <QStringList>

namespace tiersync::sandbox {

enum class Service { Redis, Postgres, ZohoSim };

[[nodiscard]] QString serviceName(Service service);

// The private set of real servers that `tiersync sandbox`, `./packaging/dev.sh run` and the
// CTest fixtures use: redis-server, a PostgreSQL cluster and zoho-sim on free loopback
// ports, with all state in one directory. Every call blocks (it supervises processes), so
// it runs in the CLI or on a worker thread.
class Sandbox final {
public:
    struct Options {
        QString stateDirectory;         // default: defaultStateDirectory()
        QString zohoSimExecutable;      // default: next to the running executable
        QStringList zohoSimArguments;   // extra flags: --seed, --products, --latency-ms …
    };

    explicit Sandbox(Options options);

    // Starts whatever is not running (cleaning up after a crash of an earlier run) and
    // returns the state once all three answer. Calling it on a healthy sandbox is a no-op.
    [[nodiscard]] Result<SandboxState> up();
    // Stops all three and removes the state (the sandbox is disposable).
    [[nodiscard]] Status down(bool keepData = false);

    struct ServiceStatus {
        Service service;
        int port = 0;
        qint64 pid = 0;
        bool running = false;
        bool answers = false;
    };
    [[nodiscard]] Result<QList<ServiceStatus>> status() const;

    // For fault tests: stop one server and start it again on the same port.
    [[nodiscard]] Status stopService(Service service);
    [[nodiscard]] Status startService(Service service);

    [[nodiscard]] const QString &stateDirectory() const { return m_options.stateDirectory; }
    [[nodiscard]] static QString defaultStateDirectory();
    [[nodiscard]] static QString defaultZohoSimExecutable();

private:
    Options m_options;
};

}  // namespace tiersync::sandbox
