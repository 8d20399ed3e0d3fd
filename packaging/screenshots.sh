#!/usr/bin/env bash
# Screenshots of every console page, taken from the real app in a real X server (Xvfb)
# against a private sandbox with data and traffic in it, into docs/screenshots/<page>.png.
#   packaging/screenshots.sh [build-dir] [page...]
# It needs tiersync, zoho-sim and tiersync-console built in build-dir (default build/).
# Everything it starts (Xvfb, the sandbox, a server) it stops again, by pid; the console
# runs on a private keyring and a temporary home, so no real profile or secret can show.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
shift || true
pages=("$@")
[ ${#pages[@]} -gt 0 ] || pages=(overview keys sync retries students cache settings)
out=$top/docs/screenshots
tiersync=$build/bin/tiersync
console=$build/bin/tiersync-console

for exe in "$tiersync" "$console" "$build/bin/zoho-sim"; do
  [ -x "$exe" ] || { echo "screenshots: $exe is not built" >&2; exit 1; }
done
for tool in Xvfb curl dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing (./packaging/dev.sh install)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/tiersync-shots.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  "$tiersync" sandbox down --state-dir "$work/sandbox" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() {  # $1 = what, $2 = tries of 0.1 s, rest = command that succeeds when ready
  local what=$1 tries=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "screenshots: $what did not come up" >&2; exit 1; }
    sleep 0.1
  done
}

# A display nobody uses: no socket and no lock file.
display=
for n in $(seq 90 250); do
  if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then
    display=$n
    break
  fi
done
[ -n "$display" ] || { echo "screenshots: no free X display" >&2; exit 1; }
Xvfb ":$display" -screen 0 1600x1000x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
wait_for "Xvfb :$display" 100 test -S "/tmp/.X11-unix/X$display"

echo "screenshots: sandbox in $work/sandbox"
"$tiersync" sandbox up --state-dir "$work/sandbox" --products 2000 --customers 500 --students 300 >/dev/null
eval "$("$tiersync" sandbox env --state-dir "$work/sandbox")"

# Data: every entity synced, then a full products run with Zoho failing now and then (so
# the retry log and the run history have something to show; it may end failed: fine),
# then a server with reads through all tiers.
for type in products customers students; do
  "$tiersync" sync "$type" --json >>"$work/sync.log" 2>&1
done
sim_faults() {
  curl -fsS -X POST -H 'Content-Type: application/json' -d "{\"error_5xx\": $1}" \
    "$TIERSYNC_ZOHO_API_BASE/_sim/faults" >/dev/null
}
sim_faults 0.25
"$tiersync" sync products --mode full --batch-size 100 --json >>"$work/sync.log" 2>&1 || true
sim_faults 0
"$tiersync" sync products --json >>"$work/sync.log" 2>&1

# An API key for the reads below (serve asks for one). The header lives in a file of
# mode 600 for curl's -H @FILE, so the key is never on a command line.
api_key=$("$tiersync" apikey create screenshots --scope read 2>>"$work/apikey.log")
(umask 077 && printf 'Authorization: Bearer %s\n' "$api_key" >"$work/api-auth")
unset api_key
api_get() {  # curl arguments; the API key is added
  curl -H @"$work/api-auth" "$@"
}

# Port 0: the server takes a free port and says which on its first line.
webhook_token=screenshots-$RANDOM$RANDOM
TIERSYNC_WEBHOOK_CRM_TOKEN=$webhook_token "$tiersync" serve --listen 127.0.0.1:0 >"$work/serve.log" 2>&1 &
pids+=($!)
wait_for "tiersync serve" 100 grep -q "listening on http" "$work/serve.log"
api=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/serve.log" | head -n 1)
wait_for "tiersync serve" 100 curl -fsS "$api/healthz"
for round in 1 2 3; do
  for id in $(seq 1 40); do
    for endpoint in profile academics finance classes requests; do
      api_get -s -o /dev/null "$api/api/v1/extension/students/$endpoint?moodle_user_id=$id" || true
    done
  done
  if [ "$round" -eq 1 ]; then
    api_get -s -o /dev/null "$api/api/v1/extension/students/profile?moodle_user_id=7&force_refresh=true" || true
  fi
done
# Webhooks, delivered by zoho-sim: one for a record changed in Zoho (processed, keys
# invalidated), one for a record that did not change (unchanged).
zoho_id() {  # $1 = moodle_user_id → the student's CRM record id, as the server returns it
  api_get -fsS "$api/api/v1/extension/students/profile?moodle_user_id=$1" |
    grep -o '"id": *"[0-9]*"' | head -n 1 | grep -o '[0-9]\{5,\}'
}
sim_post() {  # $1 = path, $2 = JSON body
  curl -fsS -X POST -H 'Content-Type: application/json' -d "$2" "$TIERSYNC_ZOHO_API_BASE$1" >/dev/null
}
changed=$(zoho_id 7)
unchanged=$(zoho_id 13)
sim_post /_sim/mutate "{\"entity\": \"students\", \"ids\": [\"$changed\"]}"
for id in "$changed" "$unchanged"; do
  sim_post /_sim/webhook "{\"url\": \"$api/webhooks/zoho/crm\", \"kind\": \"crm\", \"module\": \"Students\",
    \"ids\": [\"$id\"], \"token\": \"$webhook_token\"}"
done
"$tiersync" warm endpoints --json >/dev/null || true
# A light, bounded read load while the pages are grabbed, so the Overview's figures are live.
(
  for _ in $(seq 1 600); do
    api_get -s -o /dev/null "$api/api/v1/extension/students/profile?moodle_user_id=$((RANDOM % 60 + 1))" || true
    sleep 0.2
  done
) &
pids+=($!)
sleep 3  # the server's statistics reach Redis once a second or so

mkdir -p "$out"
for page in "${pages[@]}"; do
  extra=()
  case "$page" in
    keys) extra=(--load-all) ;;
    students) extra=(--student 7) ;;
  esac
  DISPLAY=":$display" QT_QPA_PLATFORM=xcb \
    "$top/tests/support/private-keyring.sh" "$console" --page "$page" --screenshot "$out/$page.png" "${extra[@]}" \
    >"$work/console-$page.log" 2>&1 || { cat "$work/console-$page.log" >&2; exit 1; }
  echo "screenshots: $out/$page.png"
done
