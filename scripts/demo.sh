#!/usr/bin/env bash
# The demo: install dependencies, build, and show surety reading real-world
# schedules exactly as systemd would, in several time zones.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh
S=build/surety
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "$S timespan '1h30m' '2 weeks' 100ms"
$S timespan '1h30m' '2 weeks' 100ms
say "$S calendar --iterations=3 'Mon..Fri *-*-* 02:30'   # nightly backup on weekdays"
$S calendar --iterations=3 'Mon..Fri *-*-* 02:30'
say "$S calendar --iterations=3 'Sat *-*~01..07 03:00'   # last Saturday of the month"
$S calendar --iterations=3 'Sat *-*~01..07 03:00'
say "TZ=America/New_York $S calendar --base-time='2025-03-08 12:00' --iterations=3 '*-*-* 02:30'"
echo "# 02:30 does not exist on the spring-forward day: systemd skips that day, so does surety"
TZ=America/New_York $S calendar --base-time='2025-03-08 12:00' --iterations=3 '*-*-* 02:30'
say "$S calendar --iterations=2 '*-*-* 02:30 Australia/Lord_Howe'   # a zone with 30-minute DST"
$S calendar --iterations=2 '*-*-* 02:30 Australia/Lord_Howe'
say "$S calendar 'Fri..Mon 02:30'   # an invalid spec gets a clear error and exit 1"
$S calendar 'Fri..Mon 02:30' || echo "(exit status $?)"
