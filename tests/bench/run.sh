#!/usr/bin/env bash
# Runs every benchmark against a private sandbox of real servers and prints the figures.
#   tests/bench/run.sh [build-dir] [bench-name-filter]
# Benchmarks are never part of the test run (they measure; tests assert).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$top/build}
filter=${2:-}
state=$(mktemp -d /tmp/tiersync-bench.XXXXXX)
trap '"$build/bin/tiersync" sandbox down --state-dir "$state/sandbox" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT

"$build/bin/tiersync" sandbox up --state-dir "$state/sandbox" >/dev/null
export TIERSYNC_SANDBOX_DIR="$state/sandbox"
export TIERSYNC_ZOHO_SIM="$build/bin/zoho-sim"
for bench in "$build"/bin/bench_*; do
  name=$(basename "$bench")
  [[ -n "$filter" && "$name" != *"$filter"* ]] && continue
  echo "== $name"
  "$bench"
  echo
done
