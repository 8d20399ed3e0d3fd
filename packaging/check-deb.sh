#!/usr/bin/env bash
# Builds the .deb the README describes (cpack -G DEB) from a built tree and checks it: the
# three programs, the unit, the desktop entry, the metainfo and the icon are in it, and
# dpkg-shlibdeps computed the shared-library dependencies (so every tool CPack's DEB
# generator runs, such as file and dpkg-shlibdeps, is installed).
#   packaging/check-deb.sh BUILD_DIR        (ctest: packaging_deb)
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
for tool in cpack dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (./packaging/dev.sh install)"; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  echo "FAIL: cpack -G DEB"
  exit 1
fi
debs=("$work"/*.deb)
[[ -f "${debs[0]}" && ${#debs[@]} -eq 1 ]] || { cat "$work/cpack.log"; echo "FAIL: expected one .deb in $work"; exit 1; }
deb=${debs[0]}

# shellcheck source=checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

dpkg-deb --contents "$deb" | awk '{ print $6 }' >"$work/contents"
for path in ./usr/bin/tiersync ./usr/bin/tiersync-console ./usr/bin/zoho-sim \
            ./usr/lib/systemd/system/tiersync.service \
            ./usr/share/applications/tiersync-console.desktop \
            ./usr/share/metainfo/io.tiersync.console.metainfo.xml \
            ./usr/share/icons/hicolor/scalable/apps/tiersync.svg \
            ./usr/share/doc/tiersync/examples/tiersync.env; do
  check "package holds $path" grep -qx "$path" "$work/contents"
done

dpkg-deb --field "$deb" Package Depends >"$work/fields"
check "package is named tiersync" grep -qx 'Package: tiersync' "$work/fields"
# dpkg-shlibdeps' share of Depends: the libraries the programs link.
for lib in libqt6core6 libqt6widgets6 libhiredis0.14 libpqxx-6.4 libssl3; do
  check "Depends names $lib" grep -q "[ ,]$lib\( (\|,\|$\)" "$work/fields"
done
echo "$(basename "$deb"): $(du -k "$deb" | cut -f1) KiB"
exit "$failed"
