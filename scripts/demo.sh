#!/usr/bin/env bash
# The demo: install dependencies, build, show the time engine on real-world
# schedules, then start `surety daemon` on a copy of examples/demo.toml (jobs that fire
# every few seconds, state kept in build/demo/demo-state) and show what
# `surety next` and `surety history` say about them. The daemon then keeps
# running in the foreground until Ctrl-C. With DEMO_SECONDS set (CI sets it),
# the daemon runs that many seconds more and is then stopped, and the demo
# fails unless the daemon was still running, stopped cleanly, and every demo
# job has a recorded run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

bash scripts/setup.sh
bash scripts/build.sh
S=$ROOT/build/surety
CFG=$ROOT/build/demo/demo.toml
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "surety calendar --iterations=3 'Mon..Fri *-*-* 02:30'   # weekday nights"
$S calendar --iterations=3 'Mon..Fri *-*-* 02:30'
say "TZ=America/New_York surety calendar --base-time='2025-03-08 12:00' --iterations=2 '*-*-* 02:30'"
echo "# 02:30 does not exist on the spring-forward day: systemd skips that day, so does surety"
TZ=America/New_York $S calendar --base-time='2025-03-08 12:00' --iterations=2 '*-*-* 02:30'

mkdir -p build/demo
# A copy beside the state: the job file's state_dir is relative to the file,
# the jobs' own paths to the directory surety runs in; here both are build/demo.
cp examples/demo.toml build/demo/demo.toml
cd build/demo
rm -rf demo-state
say "surety --config demo.toml validate"
$S --config "$CFG" validate
say "surety --config demo.toml daemon &"
$S --config "$CFG" daemon &
DAEMON=$!
trap 'kill -TERM $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null || true' EXIT INT TERM
sleep 12
say "surety --config demo.toml next --count 3"
$S --config "$CFG" next --count 3
for job in backup flaky slow; do
  say "surety --config demo.toml history $job --limit 5"
  $S --config "$CFG" history "$job" --limit 5
done
say "surety --config demo.toml status"
$S --config "$CFG" status
say "surety --config demo.toml check     # a Nagios/Icinga plugin: 0 OK, 1 WARNING, 2 CRITICAL"
$S --config "$CFG" check || true
printf '\nThe daemon keeps running (state in %s/demo-state); Ctrl-C stops it.\n' "$PWD"
if [[ -z "${DEMO_SECONDS:-}" ]]; then
  wait $DAEMON
  exit
fi
sleep "$DEMO_SECONDS"
fail() { echo "demo: FAILED: $*" >&2; exit 1; }
kill -0 $DAEMON 2>/dev/null || fail "the daemon is no longer running"
trap - EXIT INT TERM
kill -TERM $DAEMON
rc=0
wait $DAEMON || rc=$?
((rc == 0)) || fail "the daemon exited with status $rc on SIGTERM"
for job in backup flaky slow; do
  n=$($S --config "$CFG" history "$job" --json | jq length)
  ((n > 0)) || fail "job $job has no recorded run"
done
$S --config "$CFG" history backup --json | jq -e 'any(.[]; .result == "success")' >/dev/null ||
  fail "job backup never succeeded"
$S --config "$CFG" status backup --json | jq -e '.[0].health != "broken"' >/dev/null ||
  fail "surety status does not show job backup"
check_rc=0
$S --config "$CFG" check backup >/dev/null 2>&1 || check_rc=$?
((check_rc <= 2)) || fail "surety check backup answered UNKNOWN ($check_rc)"
echo "demo: ok"
