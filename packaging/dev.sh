#!/usr/bin/env bash
# TierSync developer entry point.
#   ./packaging/dev.sh run        install what is missing, build, start the sandbox
#   ./packaging/dev.sh test       install what is missing, build (warnings are errors), run every test
#   ./packaging/dev.sh test-asan  the engine's tests under AddressSanitizer + UBSan
#   ./packaging/dev.sh install    only install the Debian packages
#   ./packaging/dev.sh stop       stop the sandbox that `run` started
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
jobs=$(nproc 2>/dev/null || echo 2)

# Everything comes from Debian packages (bookworm).
packages=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-charts-dev libgl-dev
  qtkeychain-qt6-dev libhiredis-dev libpqxx-dev libcpp-httplib-dev libssl-dev
  redis-server postgresql
  libgtest-dev libbenchmark-dev
  wrk xvfb xauth dbus gnome-keyring libsecret-tools
  desktop-file-utils appstream systemd
)

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
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "dev.sh: missing packages. Install them with:"
    echo "  sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
}

build() {  # $1 = preset
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1" -j"$jobs"
}

case "${1:-}" in
  install)
    install_packages
    ;;
  run)
    install_packages
    build dev
    ./build/bin/tiersync sandbox up
    echo
    echo "Stop it with: ./packaging/dev.sh stop"
    ;;
  stop)
    ./build/bin/tiersync sandbox down
    ;;
  test)
    install_packages
    build ci
    ctest --preset ci -j"$jobs"
    ;;
  test-asan)
    install_packages
    build asan
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --preset asan -j"$jobs"
    ;;
  *)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
