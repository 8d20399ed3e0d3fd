#pragma once

#include <QByteArray>
#include <QCommandLineOption>

namespace tiersync::test {

// Small pieces the benchmarks share (tests/bench).

// The 1-minute load average (/proc/loadavg), "?" when unreadable: the machine is shared,
// and runnable processes of others show up in a benchmark's p99.
[[nodiscard]] QByteArray loadAverage();

// `--students N`: the size of a benchmark's private zoho-sim (default 5,000). Read it with
// QCommandLineParser::value(…).toInt(); below 1 is the caller's error to report.
[[nodiscard]] QCommandLineOption studentsOption();

}  // namespace tiersync::test
