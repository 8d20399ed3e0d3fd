#!/usr/bin/env bash
# Validates what the package installs besides the executables: the .desktop file, the
# AppStream metainfo and the systemd unit. Run by ctest as `packaging_files`; a missing
# validator is a failure (./packaging/dev.sh install brings them).
#   packaging/check-files.sh [path/to/tiersync]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tiersync=${1:-}

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "FAIL: $1 is not installed (Debian package $2; ./packaging/dev.sh install)"
    exit 1
  fi
}
need desktop-file-validate desktop-file-utils
need appstreamcli appstream
need systemd-analyze systemd

# shellcheck source=checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

check "desktop file" desktop-file-validate "$here/tiersync-console.desktop"
check "AppStream metainfo" appstreamcli validate --no-net --pedantic "$here/io.tiersync.console.metainfo.xml"

# verify insists that ExecStart's binary exists; point it at the one just built (or any
# executable when none is given), the rest of the unit is checked as shipped.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
exe=${tiersync:-/bin/true}
sed "s#^ExecStart=/usr/bin/tiersync #ExecStart=$exe #" "$here/tiersync.service" >"$work/tiersync.service"
unit_ok=1
if ! grep -q "^ExecStart=$exe serve" "$work/tiersync.service"; then
  echo "FAIL: tiersync.service has no 'ExecStart=/usr/bin/tiersync serve' line"
  unit_ok=0
fi
# verify prints problems but may still exit 0: any output is a failure.
out=$(systemd-analyze verify "$work/tiersync.service" 2>&1) || unit_ok=0
if [ -n "$out" ]; then
  echo "$out"
  unit_ok=0
fi
if [ "$unit_ok" -eq 1 ]; then echo "ok: systemd unit"; else echo "FAIL: systemd unit"; failed=1; fi

# The hardening this unit promises; a later edit must not drop it silently.
for opt in DynamicUser=yes NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
           Restart=on-failure EnvironmentFile=/etc/tiersync/tiersync.env; do
  if ! grep -qx "$opt" "$here/tiersync.service"; then
    echo "FAIL: tiersync.service lacks $opt"
    failed=1
  fi
done

if [ "$failed" -ne 0 ]; then
  echo "packaging files: FAILED"
  exit 1
fi
echo "packaging files: all valid"
