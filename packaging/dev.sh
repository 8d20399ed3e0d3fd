#!/usr/bin/env bash
# TierSync developer entry point.
#   ./packaging/dev.sh run        install what is missing, build, open the console on the sandbox
#                                 (on the profile the console last used, if any;
#                                 run --sandbox / run --profile NAME choose;
#                                 run -- ARGS… passes ARGS to the console, e.g. --screenshot F.png)
#   ./packaging/dev.sh test       install what is missing, build (warnings are errors), run every test
#   ./packaging/dev.sh test-asan  the engine's tests under AddressSanitizer + UBSan
#   ./packaging/dev.sh fuzz [SECONDS]  build the libFuzzer targets (clang-14, ASan + UBSan) and
#                                 fuzz each for SECONDS (default 60), two at a time; fails on a crash
#                                 (FUZZ_SEED=N picks libFuzzer's seed, default 1, so runs start
#                                 alike; FUZZ_SEED=2, 3… explore elsewhere)
#   ./packaging/dev.sh install    only install the Debian packages
#   ./packaging/dev.sh stop       stop a sandbox left running (run --no-console starts one)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
jobs=$(nproc 2>/dev/null || echo 2)

# Everything comes from Debian packages (bookworm), listed with the reason for each in
# packaging/debian-packages.txt (the packaging_debian_packages test keeps that list complete).
mapfile -t packages < <(sed 's/#.*//' "$here/packaging/debian-packages.txt" | awk 'NF { print $1 }')

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" -eq 0 ]; then
    echo "dev.sh: installing ${missing[*]}"
    local started=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    echo "dev.sh: installed in $((SECONDS - started)) s"
  else
    echo "dev.sh: missing packages. Install them with:"
    echo "  sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
}

build() {  # $1 = preset, then optionally the targets (default: everything)
  local preset=$1 started=$SECONDS
  shift
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j"$jobs" ${1:+--target "$@"}
  echo "dev.sh: built ($preset) in $((SECONDS - started)) s"
}

# Opens the console. Without --profile: on the sandbox (private redis-server, PostgreSQL
# and zoho-sim), with the console's embedded HTTP server and a small traffic generator so
# the charts move; closing the console stops what this started (a sandbox that was
# already running is left running). --no-console only starts the sandbox and prints it.
# The profile the console last activated (Settings → "Use this profile"), from its
# QSettings file; empty when there is none.
saved_profile() {
  local conf="${XDG_CONFIG_HOME:-$HOME/.config}/TierSync/tiersync-console.conf"
  [[ -r "$conf" ]] || return 0
  awk -F= '/^\[/ { section = $0 } section == "[console]" && $1 == "active_profile" { sub(/^[^=]*=/, ""); print; exit }' "$conf"
}

run_console() {
  local profile="" console=1 sandbox=0
  local console_args=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --profile) profile="${2:?--profile needs a name}"; shift 2 ;;
      --sandbox) sandbox=1; shift ;;
      --no-console) console=0; shift ;;
      --) shift; console_args=("$@"); break ;;
      *) echo "dev.sh run: unknown option $1 (--profile NAME, --sandbox, --no-console, -- CONSOLE-ARGS…)" >&2; exit 2 ;;
    esac
  done
  if [[ -z "$profile" && $sandbox -eq 0 && $console -eq 1 ]]; then
    profile=$(saved_profile)
    if [[ -n "$profile" ]]; then
      echo "dev.sh run: opening the console on your profile '$profile' (run --sandbox for the private sandbox)"
    fi
  fi
  install_packages
  # Only what runs: the tests and benchmarks are `test`'s business.
  build dev tiersync tiersync-console zoho-sim
  local bin=./build/bin
  if [[ -n "$profile" ]]; then
    exec "$bin/tiersync-console" --profile "$profile" --page overview "${console_args[@]}"
  fi
  if [[ $console -eq 0 ]]; then
    "$bin/tiersync" sandbox up
    echo
    echo "Stop it with: ./packaging/dev.sh stop"
    return
  fi
  if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "dev.sh run: no display (DISPLAY and WAYLAND_DISPLAY are unset); the console needs one." >&2
    echo "  Under Xvfb: xvfb-run -a ./packaging/dev.sh run    or: ./packaging/dev.sh run --no-console" >&2
    exit 1
  fi
  if ! "$bin/tiersync" sandbox status >/dev/null 2>&1; then
    "$bin/tiersync" sandbox up
    # Also on Ctrl-C in this terminal, which ends the console and this script alike.
    trap '"./build/bin/tiersync" sandbox down' EXIT
  fi
  # The sandbox's TIERSYNC_* variables win over any saved profile (secrets stay in this
  # process's environment; nothing is written to QSettings).
  eval "$("$bin/tiersync" sandbox env)"
  # The dashboard replica first: the feeds list each dashboard module in bulk, so the
  # console's traffic is answered from Redis and PostgreSQL from its first minute.
  # The roster (students) first, so a student with no records in a module gets [] at once.
  local feed
  for feed in students grades payments classes requests; do
    echo "dev.sh run: feed $feed"
    "$bin/tiersync" sync "$feed" >/dev/null || echo "dev.sh run: the $feed feed failed (see tiersync runs)" >&2
  done
  # The console's server also runs the schedules (feeds every 5 minutes), as `tiersync serve`
  # would: it is the only process on the sandbox, and a feed past its lag sends reads to Zoho.
  "$bin/tiersync-console" --page overview --serve 127.0.0.1:0 --run-schedules --traffic 20 "${console_args[@]}"
}

# Fuzzes every target in build-fuzz/bin for $1 seconds, $2 at a time. Each starts from
# its seeds (tests/fuzz/corpus/<target>) and what earlier runs found (build-fuzz/fuzz/corpus,
# kept between runs); crashes go to build-fuzz/fuzz/artifacts/<target>/, logs to
# build-fuzz/fuzz/logs/. Prints per target the inputs run, the corpus size and any crash.
fuzz_all() {
  local seconds=$1 parallel=$2 out=build-fuzz/fuzz seed=${FUZZ_SEED:-1}
  [[ $seed =~ ^[0-9]+$ ]] || { echo "dev.sh fuzz: FUZZ_SEED must be a number" >&2; return 2; }
  local targets=() t
  for t in build-fuzz/bin/fuzz_*; do targets+=("$(basename "$t")"); done
  [[ ${#targets[@]} -gt 0 ]] || { echo "dev.sh fuzz: no targets in build-fuzz/bin" >&2; return 1; }
  mkdir -p "$out/logs"
  echo "dev.sh fuzz: ${#targets[@]} targets, $seconds s each, $parallel at a time, seed $seed"
  local started=$SECONDS
  # A fixed seed (and Qt's hash seed fixed, so our code's coverage does not vary with QHash
  # order) keeps runs alike, though not input for input (coverage found at different times
  # steers the mutations differently); a crash prints its input below, so CI's finds can be
  # replayed here from the log.
  printf '%s\n' "${targets[@]}" | xargs -P "$parallel" -I{} bash -c '
    t=$1; seconds=$2; out=$3; seed=$4; seeds=tests/fuzz/corpus/$t; regressions=tests/fuzz/regressions/$t
    mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
    dirs=("$out/corpus/$t" "$seeds")
    [[ -d $regressions ]] && dirs+=("$regressions")
    QT_HASH_SEED=0 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "build-fuzz/bin/$t" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/$t/" "${dirs[@]}" >"$out/logs/$t.log" 2>&1
    echo $? >"$out/logs/$t.rc"
  ' _ {} "$seconds" "$out" "$seed"
  # From libFuzzer's last status line: inputs run, coverage (edges) and the corpus it kept.
  local failed=0 rc runs cov corpus crash crashes=()
  printf '%-22s %12s %9s %8s  %s\n' target executions coverage corpus result
  for t in "${targets[@]}"; do
    rc=$(cat "$out/logs/$t.rc")
    runs=$(awk '/^stat::number_of_executed_units:/ { n = $2 } END { print n }' "$out/logs/$t.log")
    read -r cov corpus < <(awk '/^#[0-9]+.* cov: / { for (i = 1; i < NF; i++) { if ($i == "cov:") c = $(i + 1); if ($i == "corp:") k = $(i + 1) } }
                                END { sub(/\/.*/, "", k); print (c == "" ? "?" : c), (k == "" ? "?" : k) }' "$out/logs/$t.log")
    if [[ $rc -eq 0 ]]; then
      printf '%-22s %12s %9s %8s  %s\n' "$t" "${runs:-?}" "$cov" "$corpus" ok
    else
      failed=1
      crash=$(grep -o "Test unit written to .*" "$out/logs/$t.log" | tail -1 | sed 's/Test unit written to //')
      printf '%-22s %12s %9s %8s  %s\n' "$t" "${runs:-?}" "$cov" "$corpus" "CRASH (exit $rc): ${crash:-see $out/logs/$t.log}"
      crashes+=("$t")
    fi
  done
  # What broke and the input that broke it, in the output itself: CI keeps no artifacts.
  for t in "${crashes[@]}"; do
    echo
    echo "== $t: what the sanitizer or the contract said"
    grep -E "contract broken|ERROR: |SUMMARY: |runtime error|^ +#[0-9]+ .* \.\./" "$out/logs/$t.log" | head -30
    crash=$(grep -o "Test unit written to .*" "$out/logs/$t.log" | tail -1 | sed 's/Test unit written to //')
    if [[ -n $crash && -f $crash ]]; then
      echo "== $t: the input ($(stat -c %s "$crash") bytes), base64; save it under tests/fuzz/regressions/$t/"
      head -c 4096 "$crash" | base64 -w 76
    fi
  done
  echo "dev.sh: fuzzed in $((SECONDS - started)) s"
  return $failed
}

case "${1:-}" in
  install)
    install_packages
    ;;
  run)
    shift
    run_console "$@"
    ;;
  stop)
    ./build/bin/tiersync sandbox down
    ;;
  test)
    install_packages
    build ci
    started=$SECONDS
    ctest --preset ci -j"$jobs"
    echo "dev.sh: tested in $((SECONDS - started)) s"
    ;;
  test-asan)
    install_packages
    build asan
    # Leaks count as failures too, except libpq's own (tests/lsan.supp says which and why).
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS="suppressions=$here/tests/lsan.supp" \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --preset asan -j"$jobs"
    ;;
  fuzz)
    seconds=${2:-60}
    [[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "dev.sh fuzz: SECONDS must be a positive number" >&2; exit 2; }
    install_packages
    build fuzz
    # The seeds and every saved regression input first (ctest), then the fuzzing.
    ctest --preset fuzz
    fuzz_all "$seconds" 2
    ;;
  *)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 2
    ;;
esac
