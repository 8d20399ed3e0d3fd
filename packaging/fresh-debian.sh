#!/usr/bin/env bash
# Runs a command in a throwaway Debian 12 root, the way a new user's bare machine would:
#   packaging/fresh-debian.sh [--keep] [--out DIR] COMMAND [ARGS...]
#   e.g. packaging/fresh-debian.sh ./packaging/dev.sh test
#
# It makes a root with `debootstrap --variant=minbase bookworm`, puts a clean clone of this
# repository's HEAD in it (committed work only; ../shared beside it when there is one), and
# runs COMMAND as root in the clone's top directory. The root gets its own mount and PID
# namespaces: /proc, /sys, a private /dev and /dev/shm exist only in there, and when the
# command ends every process it left behind (a sandbox's servers, say) is stopped by pid.
# Then the root is removed, also after Ctrl-C, a kill or a failure. Exit code: COMMAND's
# (125 when the root could not be made).
#
# Cached between runs: only debootstrap's download of the base system
# (debootstrap --make-tarball, refreshed weekly), never what COMMAND installs.
#   TIERSYNC_FRESH_CACHE   cache directory (default /var/cache/tiersync/fresh-debian)
#   TIERSYNC_FRESH_DIR     where the root is made (default /var/tmp; needs ~6 GB)
#   TIERSYNC_DEBIAN_MIRROR Debian mirror (default http://deb.debian.org/debian)
#   --keep                 leave the root in place (its path is printed) for a look inside
#   --out DIR              this machine's DIR appears as /out in the root, for what the command
#                          should leave behind (logs, screenshots); nothing else gets out
set -euo pipefail
{  # read to the end before running: editing or checking out this file mid-run changes nothing

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}

keep=0
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --out) out=$(mkdir -p "${2:?--out needs a directory}" && cd "$2" && pwd); shift 2 ;;
    --help|-h) usage ;;
    --) shift; break ;;
    -*) echo "fresh-debian: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[[ $# -gt 0 ]] || usage

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
suite=bookworm
mirror=${TIERSYNC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${mirror%/debian}/debian-security
cache=${TIERSYNC_FRESH_CACHE:-/var/cache/tiersync/fresh-debian}
parent=${TIERSYNC_FRESH_DIR:-/var/tmp}

say() { printf 'fresh-debian: %s\n' "$*" >&2; }
die() { say "$*"; exit 125; }
elapsed() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

[[ "$(id -u)" -eq 0 ]] || die "must run as root (debootstrap, chroot and mount need it)"
git -C "$top" rev-parse --verify -q HEAD >/dev/null || die "$top is not a git checkout with a commit"
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
for tool in unshare chroot mount umount; do
  command -v "$tool" >/dev/null || die "$tool is missing (Debian packages util-linux, coreutils, mount)"
done

started=$(date +%s)
mkdir -p "$parent"
root=$(mktemp -d "$parent/tiersync-fresh.XXXXXX")
chmod 755 "$root"  # it becomes "/": every user in it (postgres, _apt) must traverse it
init_pid=""

# Every process whose root directory is inside $root: what the command left running,
# should the namespace's end not have taken it (it always should; this is the check).
processes_in_root() {
  local link pid
  for link in /proc/[0-9]*/root; do
    pid=${link#/proc/}
    pid=${pid%/root}
    case "$(readlink "$link" 2>/dev/null)" in "$root" | "$root"/*) echo "$pid" ;; esac
  done
  return 0
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [[ -n "$init_pid" ]] && kill -0 "$init_pid" 2>/dev/null; then
    # The namespace's init stops everything in it, then exits; its end ends the namespace.
    kill -TERM "$init_pid" 2>/dev/null || true
    for _ in $(seq 1 150); do
      kill -0 "$init_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$init_pid" 2>/dev/null || true
    wait "$init_pid" 2>/dev/null || true
  fi
  local pid left
  left=$(processes_in_root)
  if [[ -n "$left" ]]; then
    say "stopping processes still in the root: $(echo $left)"
    for pid in $left; do kill -KILL "$pid" 2>/dev/null || true; done
    sleep 0.5
  fi
  # The mounts live in the namespace only; a mount visible out here would be a bug, and
  # removing the root through it could reach the host's /dev: refuse.
  if grep -q " $root/" /proc/self/mounts; then
    say "mounts remain under $root; not removing it:"
    grep " $root/" /proc/self/mounts >&2
    exit 125
  fi
  if [[ $keep -eq 1 ]]; then
    say "kept the root: $root"
  else
    say "removing $root"
    rm -rf --one-file-system "$root" "$root.download" "$root.debootstrap.log"
  fi
  say "finished in $(elapsed "$started") with exit code $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

# 1. The base system: debootstrap's own download is cached (minutes saved on a slow mirror;
#    on a fast one it still avoids fetching ~80 packages again), the install is always new.
mkdir -p "$cache"
tarball=$cache/$suite-minbase-$(dpkg --print-architecture).tgz
# debootstrap mounts /proc and /sys in the root while it installs: in a mount namespace of its
# own, those mounts end with it, even when it is interrupted.
bootstrap() {  # $@ = extra debootstrap options; the log is shown only on failure
  unshare --mount --propagation private debootstrap --variant=minbase "$@" "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 && return 0
  tail -20 "$root.debootstrap.log" >&2
  return 1
}
if [[ ! -f "$tarball" || -n "$(find "$tarball" -mtime +6)" ]]; then
  say "downloading the base system into $tarball"
  part=$(mktemp "$tarball.XXXXXX")
  unshare --mount --propagation private debootstrap --variant=minbase --make-tarball="$part" "$suite" "$root.download" "$mirror" \
    >"$root.debootstrap.log" 2>&1 || { tail -20 "$root.debootstrap.log" >&2; rm -rf "$part" "$root.download"; die "debootstrap could not download the base system"; }
  mv "$part" "$tarball"
  rm -rf "$root.download"
fi
say "debootstrap --variant=minbase $suite into $root"
step=$(date +%s)
if ! bootstrap --unpack-tarball="$tarball"; then
  say "the cached download did not install; dropping it and downloading again"
  rm -f "$tarball"
  find "$root" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} +
  bootstrap || die "debootstrap failed"
fi
rm -f "$root.debootstrap.log"
say "base system ready in $(elapsed "$step")"

# As a Debian 12 install has it: the release, its updates and its security archive.
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security_mirror $suite-security main
EOF
# Name resolution and the loopback names the way this machine has them.
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/hosts "$root/etc/hosts"
# Package scripts must not start the system's redis-server or PostgreSQL in the root (they
# would share this machine's network): the project runs its own servers on free ports.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

# 2. A clean clone of HEAD: only what is committed.
git clone -q --no-hardlinks "$top" "$root/root/tiersync"
say "cloned $(git -C "$root/root/tiersync" log -1 --format='%h %s' | cut -c1-80)"
if [[ -d "$top/../shared" ]]; then
  cp -r "$top/../shared" "$root/root/shared"
fi

# 3. The command, in new mount and PID namespaces. Their init (pid 1 inside) mounts the
#    root's /proc, /sys and a private /dev, runs the command chrooted, and when it ends (or
#    on SIGTERM from the cleanup above) stops by pid every process still in the namespace.
inner=$(cat <<'INNER'
set -u
root=$1
out=$2
shift 2
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys" 2>/dev/null || mount --rbind /sys "$root/sys"
mount -t tmpfs -o mode=755,nosuid dev "$root/dev"
for node in null zero full random urandom tty; do
  touch "$root/dev/$node"
  mount --bind "/dev/$node" "$root/dev/$node"
done
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$root/dev/pts" 2>/dev/null || true
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
mount -t tmpfs -o mode=755,nosuid,nodev run "$root/run"
if [[ -n "$out" ]]; then
  mkdir -p "$root/out"
  mount --bind "$out" "$root/out"
fi

others=""
list_others() {  # the namespace's processes but this one (no subshell: it would count)
  local entry
  others=""
  for entry in /proc/[0-9]*; do
    [[ "${entry#/proc/}" == 1 ]] || others="$others ${entry#/proc/}"
  done
}
stop_all() {  # every process of the namespace but this one, by pid: TERM, then KILL
  local signal pid tries
  for signal in TERM KILL; do
    list_others
    [[ -z "$others" ]] && return
    [[ "$signal" == TERM ]] && echo "fresh-debian: stopping what the command left running (pids$others)" >&2
    for pid in $others; do
      kill "-$signal" "$pid" 2>/dev/null
    done
    for tries in {1..100}; do
      list_others
      [[ -z "$others" ]] && return
      sleep 0.1
    done
  done
}
trap 'stop_all; exit 143' TERM

chroot "$root" /usr/bin/env -i \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" \
  /bin/bash -c 'cd /root/tiersync && exec "$@"' fresh-debian "$@" &
wait $!
rc=$?
stop_all
exit "$rc"
INNER
)
say "running: $*"
step=$(date +%s)
set +e
unshare --mount --pid --fork --kill-child --propagation private --mount-proc \
  /bin/bash -c "$inner" fresh-debian-init "$root" "$out" "$@" &
unshare_pid=$!
# The namespace's init is unshare's child; SIGTERM to it runs stop_all.
for _ in $(seq 1 50); do
  init_pid=$(cat "/proc/$unshare_pid/task/$unshare_pid/children" 2>/dev/null | awk '{print $1}')
  [[ -n "$init_pid" ]] && break
  kill -0 "$unshare_pid" 2>/dev/null || break
  sleep 0.1
done
wait "$unshare_pid"
rc=$?
set -e
init_pid=""
say "command exited with $rc after $(elapsed "$step")"
exit "$rc"
}
