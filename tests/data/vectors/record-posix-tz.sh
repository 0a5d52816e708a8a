#!/usr/bin/env bash
# Records posix-tz-systemd252.jsonl: `systemd-analyze calendar` runs with TZ
# set to POSIX rule strings (and a few zone files as controls), with base
# times on both sides of their DST changes. tests/posix_tz_oracle_test.cc
# compares surety with these answers, and with the live systemd-analyze
# where it is installed.
#
# Usage: tests/data/vectors/record-posix-tz.sh > tests/data/vectors/posix-tz-systemd252.jsonl
# Needs systemd-analyze (systemd 252) and jq.
set -euo pipefail

command -v systemd-analyze >/dev/null || { echo "systemd-analyze not installed" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq not installed" >&2; exit 2; }

iterations=6

# TZ | base times (;-separated, local time of TZ) | local abbreviations to
# try as spec suffixes (;-separated, may be empty)
cases=(
  # Northern hemisphere, EU rules: the gap at 02:00 and the overlap at 03:00.
  "CET-1CEST,M3.5.0,M10.5.0/3|2025-03-30 00:00;2025-03-30 02:30;2025-10-26 02:30;2025-10-25 23:00|CET;CEST"
  # US rules, and the same rules with POSIX's default change time.
  "EST5EDT,M3.2.0,M11.1.0|2025-03-09 00:00;2025-11-02 00:30;2025-11-02 01:30|EST;EDT"
  # Southern hemisphere: daylight time spans the new year.
  "AEST-10AEDT,M10.1.0,M4.1.0/3|2025-04-06 01:00;2025-10-05 01:00;2025-04-06 02:30;2025-12-31 23:00|AEDT"
  "NZST-12NZDT,M9.5.0,M4.1.0/3|2025-04-06 01:00;2025-09-28 01:00|NZST"
  # Offsets with minutes and a 30-minute daylight shift (Lord Howe's shape).
  "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0|2025-04-06 01:00;2025-10-05 01:30|"
  # Negative DST (Dublin's own footer).
  "IST-1GMT0,M10.5.0,M3.5.0/1|2025-03-30 00:00;2025-10-26 00:30|IST;GMT"
  # Change times before midnight (Nuuk's shape).
  "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1|2025-03-29 21:00;2025-10-25 22:00|"
  # Julian days: J60 is March 1 even in leap years, n counts February 29;
  # change times past 24 h and negative.
  "XXX3YYY,J60/25,J300/-1|2025-03-02 00:00;2025-10-26 22:00;2024-03-02 00:00|XXX;YYY"
  "<+01>-1<+02>,59/2,299/3|2024-02-29 00:00;2024-10-26 00:00;2025-03-01 00:00|"
  # No daylight time.
  "<+03>-3|2025-06-01 00:00|"
  "<-0330>3:30|2025-06-01 00:00|"
  "IST-5:30|2025-06-01 00:00|IST"
  "UTC0|2025-06-01 00:00|"
  "EST5|2025-03-09 00:00|EST"
  # A daylight zone without rules: the posixrules file (New York on Debian),
  # including its end in 2037, after which it is New York time.
  "CET-1CEST|2025-03-09 12:00;2025-11-02 00:00;2037-10-31 00:00|CEST"
  # What glibc reads only partly.
  "IST|2025-06-01 00:00|IST"
  "EST5 EDT|2025-01-01 00:00;2024-12-31 19:00|"
  # Zone files, with and without the colon: the file wins over the rule.
  "EST5EDT|2025-03-09 00:00;2025-11-02 00:30|EDT"
  ":Europe/Berlin|2025-03-30 00:00;2025-10-26 02:30|"
)

specs=(
  "daily"
  "*-*-* 02:30"
  "*:0/30"
  "Mon..Fri 01:30"
  "*-*~01 03:00"
  "hourly"
  "*-*-* 02:30 Europe/Berlin"
)

for entry in "${cases[@]}"; do
  IFS='|' read -r tz bases abbrs <<<"$entry"
  IFS=';' read -r -a base_list <<<"$bases"
  IFS=';' read -r -a abbr_list <<<"$abbrs"
  all_specs=("${specs[@]}")
  for a in "${abbr_list[@]}"; do
    [[ -n $a ]] && all_specs+=("*-*-* 02:30 $a")
  done
  for base in "${base_list[@]}"; do
    for spec in "${all_specs[@]}"; do
      set +e
      raw=$(LC_ALL=C TZ="$tz" systemd-analyze calendar --base-time="$base" \
        --iterations="$iterations" -- "$spec" 2>/dev/null)
      rc=$?
      set -e
      out=$(printf '%s\n' "$raw" | grep -v 'From now:' || true)
      jq -cn --arg spec "$spec" --arg base "$base" --arg tz "$tz" \
        --argjson iterations "$iterations" --argjson rc "$rc" --arg stdout "$out" \
        '{spec: $spec, base: $base, tz: $tz, iterations: $iterations, rc: $rc, stdout: $stdout}'
    done
  done
done
