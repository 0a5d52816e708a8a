#!/usr/bin/env bash
# Whole-process comparison of `systemd-analyze calendar` (systemd 252) and
# `surety calendar`, side by side in one run.
#
# For each spec class both programs run with identical arguments and TZ.
# First their outputs must be IDENTICAL once the "From now:" lines (which
# depend on the wall clock) are dropped; any difference fails the script.
# Then each is timed with hyperfine (`hyperfine -N --runs R --export-json`)
# or, without hyperfine, a bash loop over `date +%s%N`, and a markdown table
# of medians is printed: class | N | systemd-analyze | surety | ratio (and,
# with hyperfine, the same table for CPU time).
#
# Usage: bench/compare_calendar.sh [SURETY_BINARY]   (default build/surety)
# Environment knobs (defaults in brackets):
#   N_PLAIN [20000]  iterations for the in-process classes
#   N_ZONED [20000]  iterations for specs with an IANA zone; systemd forks once
#                    per iteration (~1 ms each), so one run takes ~20 s; use
#                    5000 if the whole script must stay well under 3 minutes
#   RUNS [10]        timed runs per command, plain classes
#   ZONED_RUNS [2]   timed runs per command, zoned classes
#   TIMER [auto]     "loop" forces the date +%s%N loop even with hyperfine
# Exit status: 0 when every output matched, 1 on a mismatch, 2 on bad setup.
set -euo pipefail

surety=${1:-build/surety}
n_plain=${N_PLAIN:-20000}
n_zoned=${N_ZONED:-20000}
runs=${RUNS:-10}
zoned_runs=${ZONED_RUNS:-2}
base='@1763769600'  # 2025-11-22 00:00:00 UTC: fixed, so outputs are repeatable
use_hyperfine=0
if [[ ${TIMER:-auto} != loop ]] && command -v hyperfine >/dev/null 2>&1; then
  use_hyperfine=1
fi

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "error: systemd-analyze not installed; nothing to compare against" >&2
  exit 2
fi
if [[ ! -x $surety ]]; then
  echo "error: surety binary '$surety' not found (build it first)" >&2
  exit 2
fi

# class | TZ | spec | kind (plain: evaluated in-process by both; zoned: the
# spec names an IANA zone, which systemd 252 evaluates in a forked child).
# TZ "-" leaves TZ unset (the zone comes from /etc/localtime): the usual case
# on a host, and the one where glibc re-checks /etc/localtime on every
# mktime() call, which makes systemd-analyze much slower than with TZ set.
classes=(
  "repetitions, TZ unset|-|*:0/5|plain"
  "weekday ranges, TZ unset|-|Mon..Fri 02:30|plain"
  "~ last days, TZ unset|-|*-*~03 *:0/30|plain"
  "plain daily, TZ unset|-|*-*-* 02:30|plain"
  "repetitions|UTC|*:0/5|plain"
  "weekday ranges|UTC|Mon..Fri 02:30|plain"
  "~ last days|UTC|*-*~03 *:0/30|plain"
  "plain daily|UTC|*-*-* 02:30|plain"
  "plain daily, TZ=Europe/Berlin|Europe/Berlin|*-*-* 02:30|plain"
  "zoned spec|UTC|*-*-* 02:30 Europe/Berlin|zoned"
  "zoned spec, TZ=America/New_York|America/New_York|*-*-* 02:30 Europe/Berlin|zoned"
)

# with_tz TZ COMMAND...: runs COMMAND with LC_ALL=C and TZ (unset for "-").
with_tz() {
  local tz=$1
  shift
  if [[ $tz == - ]]; then
    env -u TZ LC_ALL=C "$@"
  else
    env LC_ALL=C TZ="$tz" "$@"
  fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run TZ N SPEC PROGRAM...: one `calendar` run, "From now:" lines dropped.
run() {
  local tz=$1 n=$2 spec=$3
  shift 3
  with_tz "$tz" "$@" calendar --base-time="$base" --iterations="$n" -- "$spec" \
    | grep -v 'From now:' || true
}

# median_ms FILE: the median of the nanosecond values in FILE, in ms.
median_ms() {
  sort -n "$1" | awk '{v[NR] = $1} END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.1f", m / 1e6 }'
}

# time_ms TZ N SPEC RUNS PROGRAM...: median wall time of RUNS runs, in ms.
time_ms() {
  local tz=$1 n=$2 spec=$3 r=$4
  shift 4
  local samples=$tmp/samples
  : >"$samples"
  for ((i = 0; i < r; ++i)); do
    local t0 t1
    t0=$(date +%s%N)
    with_tz "$tz" "$@" calendar --base-time="$base" --iterations="$n" -- "$spec" \
      >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    echo $((t1 - t0)) >>"$samples"
  done
  median_ms "$samples"
}

# Quotes one word for hyperfine's shell-words splitting.
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

echo "# surety calendar vs systemd-analyze calendar"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(systemd-analyze --version | head -1)"
echo "surety: $surety; base time $base; N_PLAIN=$n_plain N_ZONED=$n_zoned;" \
  "runs: $runs plain, $zoned_runs zoned"
if ((use_hyperfine)); then
  echo "timer: $(hyperfine --version) (-N, median of the runs)"
else
  echo "timer: bash loop over date +%s%N (median of the runs; hyperfine not installed)"
fi
echo

# 1. Identical outputs, or nothing is worth timing.
status=0
for entry in "${classes[@]}"; do
  IFS='|' read -r name tz spec kind <<<"$entry"
  n=$n_plain
  [[ $kind == zoned ]] && n=$n_zoned
  want=$tmp/want
  got=$tmp/got
  run "$tz" "$n" "$spec" systemd-analyze >"$want"
  run "$tz" "$n" "$spec" "$surety" >"$got"
  lines=$(wc -l <"$want")
  if cmp -s "$want" "$got"; then
    echo "identical: $name (TZ=$tz N=$n '$spec', $lines lines)"
  else
    status=1
    echo "MISMATCH: $name" >&2
    echo "  reproduce: LC_ALL=C TZ=$tz systemd-analyze calendar --base-time=$base" \
      "--iterations=$n -- '$spec'   (and the same with $surety)" >&2
    diff "$want" "$got" | head -20 >&2 || true
  fi
done
if ((status != 0)); then
  echo "FAILED: outputs differ; not timing" >&2
  exit 1
fi
echo

# ratio A B: A/B, one decimal below 100.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { r = (b > 0 ? a / b : 0); printf (r < 100 ? "%.1f" : "%.0f"), r }'
}

# 2. Timing, one class after the other, both programs back to back. Wall
# time is what the targets are about; on a shared machine the CPU time
# (user + sys, from hyperfine) is the steadier of the two, so it is shown too.
wall_rows=()
cpu_rows=()
verdicts=()
for entry in "${classes[@]}"; do
  IFS='|' read -r name tz spec kind <<<"$entry"
  n=$n_plain
  r=$runs
  target=10
  if [[ $kind == zoned ]]; then
    n=$n_zoned
    r=$zoned_runs
    target=100
  fi
  if ((use_hyperfine)); then
    args="calendar --base-time=$base --iterations=$n -- $(q "$spec")"
    with_tz "$tz" hyperfine -N --runs "$r" --style none \
      --export-json "$tmp/h.json" \
      "systemd-analyze $args" "$surety $args" >/dev/null 2>&1
    read -r sd su sd_cpu su_cpu < <(jq -r '[(.results[].median * 1000 | tostring),
        (.results[] | (.user + .system) * 1000 | tostring)] | join(" ")' "$tmp/h.json")
    sd=$(printf '%.1f' "$sd")
    su=$(printf '%.1f' "$su")
    sd_cpu=$(printf '%.1f' "$sd_cpu")
    su_cpu=$(printf '%.1f' "$su_cpu")
    cpu_ratio=$(ratio "$sd_cpu" "$su_cpu")
    cpu_rows+=("| $name | $n | $sd_cpu ms | $su_cpu ms | ${cpu_ratio}x |")
  else
    sd=$(time_ms "$tz" "$n" "$spec" "$r" systemd-analyze)
    su=$(time_ms "$tz" "$n" "$spec" "$r" "$surety")
    cpu_ratio=""
  fi
  wall_ratio=$(ratio "$sd" "$su")
  wall_rows+=("| $name | $n | $sd ms | $su ms | ${wall_ratio}x |")
  if awk -v r="$wall_ratio" -v t="$target" 'BEGIN { exit !(r >= t) }'; then
    verdict="met"
  else
    verdict="NOT met"
  fi
  cpu_note=${cpu_ratio:+, ${cpu_ratio}x CPU}
  verdicts+=("$verdict: $name: ${wall_ratio}x wall$cpu_note (target ${target}x)")
done

echo "Wall time, median of the runs:"
echo
echo "| class | N | systemd-analyze | surety | ratio |"
echo "| --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${wall_rows[@]}"
if ((${#cpu_rows[@]})); then
  echo
  echo "CPU time (user + sys), mean of the runs:"
  echo
  echo "| class | N | systemd-analyze | surety | ratio |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${cpu_rows[@]}"
fi
echo
echo "Targets (wall): >= 10x on every class, >= 100x on zoned specs."
printf '%s\n' "${verdicts[@]}"
