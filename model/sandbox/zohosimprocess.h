#pragma once

#include "core/result.h"
#include "core/zohosettings.h"

#include <QString>
#include <QStringList>

namespace tiersync::sandbox {

// zoho-sim started detached on 127.0.0.1, with the credentials it will accept.
class ZohoSimProcess final {
public:
    struct Options {
        QString executable;       // path to zoho-sim
        QString directory;        // log and ready file
        int port = 0;             // 0: any free port
        QStringList extraArguments;  // --seed, --products, --latency-ms …
    };

    explicit ZohoSimProcess(Options options);

    [[nodiscard]] Status start(int timeoutMs = 15000);
    void stop();
    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] bool answers() const;

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] qint64 pid() const { return m_pid; }
    void adopt(qint64 pid, int port);  // an instance started by an earlier run

    [[nodiscard]] static ZohoSettings credentials();  // what the sandbox's sim accepts
    [[nodiscard]] ZohoSettings settings() const;       // credentials + this instance's URLs

private:
    Options m_options;
    int m_port = 0;
    qint64 m_pid = 0;
};

}  // namespace tiersync::sandbox
