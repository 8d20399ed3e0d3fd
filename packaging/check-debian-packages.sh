#!/usr/bin/env bash
# Fails when the build or the tests use something that packaging/dev.sh does not install.
#   packaging/check-debian-packages.sh BUILD_DIR     (ctest: packaging_debian_packages)
#
# What the project uses, read off a configured and built tree and the tracked sources:
#   - every file CMake read while configuring (ninja's regeneration inputs: the Qt6*Config,
#     Find*.cmake… of every package found) and the .pc file of every pkg-config module;
#   - every header the compiler read (ninja -t deps);
#   - every shared library the built executables load (ldd);
#   - every program the tests and scripts call: the words of the shell scripts and CMake
#     files, and the C++ string literals, that name an executable shipped by an installed
#     package (redis-server, initdb, xvfb-run, secret-tool, wrk…).
# Each is mapped to the Debian package that owns it (dpkg's file lists). A package is
# accounted for when it is listed in packaging/debian-packages.txt, is a hard dependency
# (Depends/Pre-Depends, recursively) of a listed one, or belongs to the base system that
# `debootstrap --variant=minbase` installs (Essential or Priority required, and apt). A file
# that no package owns (say, a library installed by hand into /usr/local) fails too.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
[[ $# -eq 1 ]] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
list=${TIERSYNC_PACKAGE_LIST:-$here/debian-packages.txt}
for tool in dpkg-query ninja ldd; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed"; exit 1; }
done
[[ -f "$build/build.ninja" ]] || { echo "FAIL: $build is not a configured Ninja build"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- the packages dev.sh installs, and everything they guarantee -------------------------
sed 's/#.*//' "$list" | awk 'NF { print $1 }' | sort -u >"$work/listed"
[[ -s "$work/listed" ]] || { echo "FAIL: $list lists no package"; exit 1; }

# package, status, essential, priority, provides, pre-depends, depends (installed only)
dpkg-query -W -f='${Package}\t${db:Status-Abbrev}\t${Essential}\t${Priority}\t${Provides}\t${Pre-Depends}\t${Depends}\n' \
  | awk -F'\t' '$2 ~ /^ii/' >"$work/installed"

missing=$(comm -23 "$work/listed" <(cut -f1 "$work/installed" | sort -u))
if [[ -n "$missing" ]]; then
  echo "FAIL: listed in $(basename "$list") but not installed here (run ./packaging/dev.sh install):"
  sed 's/^/  /' <<<"$missing"
  exit 1
fi

# The closure: listed packages and the base system, then their hard dependencies. Of the
# alternatives in "a | b", the first one installed is the one that satisfied it; a virtual
# name is satisfied by an installed package that provides it.
awk -F'\t' -v listed="$work/listed" '
  function strip(name) { sub(/^[ \t]+/, "", name); sub(/[ \t(].*$/, "", name); sub(/:.*$/, "", name); return name }
  BEGIN { while ((getline p < listed) > 0) { reason[p] = "listed"; queue[++n] = p } }
  {
    pkg = $1; installed[pkg] = 1
    deps[pkg] = $6 ", " $7
    np = split($5, provided, ",")
    for (i = 1; i <= np; i++) { v = strip(provided[i]); if (v != "" && !(v in provider)) provider[v] = pkg }
    if (($3 == "yes" || $4 == "required" || pkg == "apt") && !(pkg in reason)) { reason[pkg] = "base"; queue[++n] = pkg }
  }
  END {
    for (q = 1; q <= n; q++) {
      pkg = queue[q]
      ng = split(deps[pkg], groups, ",")
      for (g = 1; g <= ng; g++) {
        na = split(groups[g], alts, "|")
        for (a = 1; a <= na; a++) {
          d = strip(alts[a])
          if (d == "") continue
          if (!(d in installed) && (d in provider)) d = provider[d]
          if (d in installed) {
            if (!(d in reason)) { reason[d] = "dependency of " pkg; queue[++n] = d }
            break
          }
        }
      }
    }
    for (p in reason) print p "\t" reason[p]
  }' "$work/installed" | sort >"$work/closure"

# --- which package owns each path ----------------------------------------------------------
# dpkg's file lists; on merged /usr a file may be listed under /lib or /bin as well.
for f in /var/lib/dpkg/info/*.list; do
  pkg=${f##*/}
  pkg=${pkg%.list}
  awk -v pkg="${pkg%%:*}" '{ print $0 "\t" pkg }' "$f"
done >"$work/owners"

# --- what the project uses: "path<TAB>what uses it" --------------------------------------
{
  ninja -C "$build" -t query build.ninja \
    | awk '/^  input:/ { on = 1; next } /^  outputs:/ { on = 0 } on { sub(/^ *\|* */, ""); print $0 "\tCMake configure" }'
  for module in $(sed -n 's/^[A-Za-z0-9_]*_MODULE_NAME:INTERNAL=\(.\+\)$/\1/p' "$build/CMakeCache.txt"); do
    pc=$(pkg-config --path "$module" 2>/dev/null) || { echo "pkg-config module $module	not found" >&2; continue; }
    printf '%s\tpkg-config %s\n' "$pc" "$module"
  done
  ninja -C "$build" -t deps | awk '/^    \// { print $1 "\tcompiler (#include)" }'
  for exe in "$build"/bin/*; do
    [[ -f "$exe" && -x "$exe" ]] || continue
    head -c4 "$exe" | grep -q ELF || continue
    ldd "$exe" 2>/dev/null | awk -v who="ldd $(basename "$exe")" '$2 == "=>" && $3 ~ /^\// { print $3 "\t" who } $1 ~ /^\// { print $1 "\t" who }'
  done
} | awk -F'\t' -v top="$top/" -v build="$build/" 'index($1, top) != 1 && index($1, build) != 1 && $1 ~ /^\// && !seen[$1]++' >"$work/used-files"

# Programs: executables that installed packages ship, named by the tracked sources.
awk -F'\t' '$1 ~ /^(\/usr)?\/s?bin\/[^\/]+$/ || $1 ~ /^\/usr\/lib\/postgresql\/[0-9]+\/bin\/[^\/]+$/ {
  n = split($1, parts, "/"); print parts[n] "\t" $1 }' "$work/owners" | sort -u -k1,1 >"$work/programs"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git -C "$top" ls-files >"$work/tracked"
else
  (cd "$top" && find . -type f -not -path './build*' -not -path './.git/*' | sed 's|^\./||') >"$work/tracked"
fi
{
  # Shell scripts and CMake: the words of the code, leaving out comments, double-quoted
  # text (messages), variable names and path components.
  grep -E '(\.sh|CMakeLists\.txt|\.cmake|^\.ci/run)$' "$work/tracked" | while read -r f; do
    awk -v f="$f" '
      { sub(/(^|[ \t])#.*$/, ""); gsub(/"[^"]*"/, " "); line = " " $0 " " }
      {
        while (match(line, /[A-Za-z0-9_.+-]+/)) {
          word = substr(line, RSTART, RLENGTH)
          before = substr(line, RSTART - 1, 1); after = substr(line, RSTART + RLENGTH, 1)
          path = before == "/" || after == "/"
          if (path && substr(line, 1, RSTART - 1) ~ /(^|[ =])\/(usr\/)?s?bin\/$/) path = 0
          if (!path && before !~ /[$.{-]/ && after != "=" && after != "(" && prev != "for" && word !~ /^[-.]/) print word "\t" f
          prev = word
          line = substr(line, RSTART + RLENGTH)
        }
      }' "$top/$f"
  done
  # C++: string literals that are one word (program names are passed whole).
  grep -E '\.(cpp|h)$' "$work/tracked" | while read -r f; do
    awk -v f="$f" '{ while (match($0, /"[A-Za-z0-9_.+-]+"/)) { print substr($0, RSTART + 1, RLENGTH - 2) "\t" f; $0 = substr($0, RSTART + RLENGTH) } }' "$top/$f"
  done
} | sort -u -k1,1 >"$work/words"
join -t $'\t' "$work/words" "$work/programs" | awk -F'\t' '{ print $3 "\tprogram " $1 " (" $2 ")" }' >>"$work/used-files"

# --- map, judge, report --------------------------------------------------------------------
awk -F'\t' -v owners="$work/owners" -v closure="$work/closure" '
  function owner(path,   alt) {
    if (path in own) return own[path]
    alt = path
    if (sub(/^\/usr\//, "/", alt) && (alt in own)) return own[alt]
    alt = "/usr" path
    if (alt in own) return own[alt]
    return ""
  }
  BEGIN {
    while ((getline line < owners) > 0) { split(line, f, "\t"); if (!(f[1] in own)) own[f[1]] = f[2]; else if (index(", " own[f[1]] ", ", ", " f[2] ", ") == 0) own[f[1]] = own[f[1]] ", " f[2] }
    while ((getline line < closure) > 0) { split(line, f, "\t"); why[f[1]] = f[2] }
  }
  {
    path = $1; who = $2
    pkg = owner(path)
    if (pkg == "") {
      cmd = "readlink -f \"" path "\""; cmd | getline real; close(cmd)
      if (real != "") pkg = owner(real)
    }
    if (pkg == "") { unowned[path] = who; next }
    # a path shared by several packages (a diversion, a directory) needs any one of them
    n = split(pkg, cands, ", "); ok = 0
    for (i = 1; i <= n; i++) if (cands[i] in why) ok = 1
    uses[pkg]++
    if (!(pkg in first)) first[pkg] = path " (" who ")"
    if (!ok && !(pkg in example)) example[pkg] = path " (" who ")"
  }
  END {
    bad = 0
    for (p in example) { printf "FAIL: package %s is used but packaging/dev.sh does not install it: %s\n", p, example[p]; bad = 1 }
    for (p in unowned) { printf "FAIL: %s is used (%s) but no Debian package owns it (installed by hand?)\n", p, unowned[p]; bad = 1 }
    total = 0
    for (p in uses) {
      total++
      if (!(p in example)) {
        n = split(p, cands, ", "); w = ""
        for (i = 1; i <= n && w == ""; i++) if (cands[i] in why) w = why[cands[i]]
        printf "  %-28s %-36s e.g. %s\n", p, w, first[p] | "sort"
      }
    }
    close("sort")
    # Listed packages nothing above was seen to use: fine when another program needs them
    # (xauth, for xvfb-run), worth a look otherwise.
    for (p in why) if (why[p] == "listed" && !(p in uses)) unused = unused " " p
    if (unused != "") printf "  (listed, not seen used directly:%s)\n", unused
    printf "%s: %d files and programs from %d packages checked against %d installed by dev.sh or the base system\n", (bad ? "FAIL" : "ok"), NR, total, length(why)
    exit bad
  }' "$work/used-files"
