#pragma once

#include <QByteArray>
#include <QCommandLineOption>

#include "zoho/zoholimits.h"

namespace tiersync::test {

// Small pieces the benchmarks share (tests/bench).

// The 1-minute load average (/proc/loadavg), "?" when unreadable: the machine is shared,
// and runnable processes of others show up in a benchmark's p99.
[[nodiscard]] QByteArray loadAverage();

// `--students N`: the size of a benchmark's private zoho-sim (default 5,000). Read it with
// QCommandLineParser::value(…).toInt(); below 1 is the caller's error to report.
[[nodiscard]] QCommandLineOption studentsOption();

// Zoho limits far above anything a benchmark sends (no daily cap), with this many calls at
// once: the client's own limits then play no part in what is measured.
[[nodiscard]] ZohoLimits generousZohoLimits(int concurrency);

}  // namespace tiersync::test
