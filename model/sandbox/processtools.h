#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>

// Small process helpers for supervising local servers. All of them block, so they run
// in the CLI, in CTest fixtures, or on an engine worker thread — never on the GUI thread.
namespace tiersync::sandbox {

struct CommandOutput final {
    int exitCode = 0;
    QByteArray output;  // stdout and stderr merged
};

// Runs a program to completion. With asPostgres, and when we are root, it runs as the
// postgres user through runuser (PostgreSQL refuses to run as root).
[[nodiscard]] Result<CommandOutput> runCommand(const QString &program, const QStringList &arguments,
                                               int timeoutMs, bool asPostgres = false);

[[nodiscard]] bool runningAsRoot();

// True if pid is alive and its command line mentions expectedName (guards against a
// recycled pid after a crash: we must never signal a stranger's process).
[[nodiscard]] bool processAlive(qint64 pid, const QString &expectedName);

// SIGTERM, wait up to graceMs, then SIGKILL. Returns once the process is gone.
void terminateProcess(qint64 pid, const QString &expectedName, int graceMs);

// A port on 127.0.0.1 that was free a moment ago.
[[nodiscard]] Result<int> findFreeLoopbackPort();

[[nodiscard]] bool loopbackPortInUse(int port);

// Polls predicate every pollMs until it returns true or timeoutMs passes.
[[nodiscard]] bool waitUntil(const std::function<bool()> &predicate, int timeoutMs, int pollMs = 50);

// Reads a pid file (first line); 0 when missing or malformed.
[[nodiscard]] qint64 readPidFile(const QString &path);

[[nodiscard]] QString findExecutable(const QString &name, const QStringList &extraDirs = {});

// A random token for sandbox passwords (hex, from the system CSPRNG).
[[nodiscard]] QString randomToken(int bytes);

}  // namespace tiersync::sandbox
