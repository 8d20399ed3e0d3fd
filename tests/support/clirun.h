#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QStringList>

namespace tiersync::test {

// What a command-line run printed and how it ended.
struct CliRun final {
    int exitCode = -1;  // -1: it did not finish in time (it was killed); -2: it crashed
    QByteArray out;
    QByteArray err;
};

// Runs program to its end (at most timeoutMs) with environment.
[[nodiscard]] CliRun runProgram(const QString &program, const QStringList &arguments,
                                const QProcessEnvironment &environment, int timeoutMs = 120000);

}  // namespace tiersync::test
