#!/bin/sh
# Runs a command against a private Secret Service: its own D-Bus session bus
# (dbus-run-session) and a gnome-keyring-daemon whose keyrings live in a temporary
# directory, so a keychain test never reads or writes the user's keyring.
#   tests/support/private-keyring.sh COMMAND [ARGS...]
# Fails (never skips) when the tools are missing or the keyring does not come up.
set -eu

if [ $# -lt 1 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "private-keyring: $tool is not installed (Debian packages dbus, gnome-keyring; ./packaging/dev.sh install)" >&2
    exit 1
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# gnome-keyring keeps its keyrings under XDG_DATA_HOME; nothing may point at the real home.
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" \
       XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL SSH_AUTH_SOCK

set +e
dbus-run-session -- sh -c '
  # --unlock reads the password on stdin and creates the "login" keyring with it, which
  # becomes the default collection the Secret Service API writes to.
  printf %s private-test-keyring | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null &
  daemon=$!
  tries=0
  until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
          org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$daemon" 2>/dev/null; then
      echo "private-keyring: gnome-keyring-daemon did not register org.freedesktop.secrets" >&2
      kill "$daemon" 2>/dev/null
      exit 1
    fi
    sleep 0.1
  done
  TIERSYNC_PRIVATE_KEYRING=1 "$@"
  rc=$?
  kill "$daemon" 2>/dev/null
  wait "$daemon" 2>/dev/null
  exit "$rc"
' private-keyring "$@" 2> "$tmp/stderr"
rc=$?
set -e
# dbus-daemon complains that it may not raise its fd limit when not run by systemd: noise.
grep -v "Failed to set fd limit" "$tmp/stderr" >&2 || true
exit "$rc"
