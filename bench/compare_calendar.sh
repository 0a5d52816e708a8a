#!/usr/bin/env bash
# Whole-process comparison of `systemd-analyze calendar` (systemd 252) and
# `surety calendar`, side by side in one run.
#
# For each spec class, TZ setting and iteration count, both programs run with
# identical arguments and environment. First their outputs must be IDENTICAL
# once the "From now:" lines (which depend on the wall clock) are dropped; any
# difference fails the script before anything is timed. Then each pair is
# timed back to back with hyperfine (`hyperfine -N --runs R --export-json`) or,
# without hyperfine, a bash loop over `date +%s%N`, and markdown tables are
# printed:
#   1. wall time (median) and ratio per class, TZ and N; with hyperfine also
#      CPU time (user + sys, mean);
#   2. the cost of one iteration — next elapse plus its printed lines — of
#      each program: (t(N_max) - t(N_min)) / (N_max - N_min), start-up
#      removed.
#
# Usage: bench/compare_calendar.sh [SURETY_BINARY]   (default build/surety)
# Environment knobs (defaults in brackets):
#   N_LIST ["2000 20000"]  iteration counts, at least two for the
#                          per-iteration table
#   ZONED ["yes"]    "no" skips the zoned classes: systemd forks once per
#                    iteration (~0.5 ms each), so one run at N=20000 takes
#                    10-20 s and the whole script ~5 minutes
#   RUNS [10]        timed runs per command, plain classes
#   ZONED_RUNS [2]   timed runs per command, zoned classes
#   TIMER [auto]     "loop" forces the date +%s%N loop even with hyperfine
# Exit status: 0 when every output matched, 1 on a mismatch, 2 on bad setup.
set -euo pipefail

surety=${1:-build/surety}
read -r -a n_list <<<"${N_LIST:-2000 20000}"
zoned=${ZONED:-yes}
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
if ((use_hyperfine)) && ! command -v jq >/dev/null 2>&1; then
  echo "error: jq is needed to read hyperfine's results" >&2
  exit 2
fi

# class | TZ | spec | kind. plain: evaluated in-process by both programs;
# zoned: the spec names an IANA zone, which systemd 252 evaluates in a forked
# child. TZ "-" leaves TZ unset, so the zone comes from /etc/localtime: the
# usual case on a host, and the one where glibc re-checks /etc/localtime at
# every mktime(), which makes systemd-analyze slower. TZ set is the usual
# case in a container: systemd-analyze skips that re-check.
classes=(
  "plain daily|-|*-*-* 02:30|plain"
  "plain daily|UTC|*-*-* 02:30|plain"
  "plain daily|Europe/Berlin|*-*-* 02:30|plain"
  "plain daily|CET-1CEST,M3.5.0,M10.5.0/3|*-*-* 02:30|plain"
  "repetitions|-|*:0/5|plain"
  "repetitions|UTC|*:0/5|plain"
  "weekday ranges|-|Mon..Fri 02:30|plain"
  "weekday ranges|UTC|Mon..Fri 02:30|plain"
  "~ last days|-|*-*~03 *:0/30|plain"
  "~ last days|UTC|*-*~03 *:0/30|plain"
)
if [[ $zoned != no ]]; then
  classes+=(
    "zoned spec|-|*-*-* 02:30 Europe/Berlin|zoned"
    "zoned spec|UTC|*-*-* 02:30 Europe/Berlin|zoned"
    "zoned spec|America/New_York|*-*-* 02:30 Europe/Berlin|zoned"
  )
fi

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
    printf "%.2f", m / 1e6 }'
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

tz_label() { if [[ $1 == - ]]; then echo "unset"; else echo "$1"; fi; }

echo "# surety calendar vs systemd-analyze calendar"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average" \
  "$(cut -d' ' -f1-3 /proc/loadavg), $(systemd-analyze --version | head -1)"
echo "surety: $surety; base time $base; N: ${n_list[*]}; runs: $runs plain, $zoned_runs zoned"
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
  for n in "${n_list[@]}"; do
    want=$tmp/want
    got=$tmp/got
    run "$tz" "$n" "$spec" systemd-analyze >"$want"
    run "$tz" "$n" "$spec" "$surety" >"$got"
    lines=$(wc -l <"$want")
    if cmp -s "$want" "$got"; then
      echo "identical: $name (TZ $(tz_label "$tz"), N=$n '$spec', $lines lines)"
    else
      status=1
      echo "MISMATCH: $name (TZ $(tz_label "$tz"), N=$n)" >&2
      echo "  reproduce: LC_ALL=C TZ=$tz systemd-analyze calendar --base-time=$base" \
        "--iterations=$n -- '$spec'   (and the same with $surety)" >&2
      diff "$want" "$got" | head -20 >&2 || true
    fi
  done
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
iter_rows=()
verdicts=()
declare -A wall_sd wall_su
for entry in "${classes[@]}"; do
  IFS='|' read -r name tz spec kind <<<"$entry"
  r=$runs
  target=10
  if [[ $kind == zoned ]]; then
    r=$zoned_runs
    target=100
  fi
  for n in "${n_list[@]}"; do
    if ((use_hyperfine)); then
      args="calendar --base-time=$base --iterations=$n -- $(q "$spec")"
      with_tz "$tz" hyperfine -N --runs "$r" --style none \
        --export-json "$tmp/h.json" \
        "systemd-analyze $args" "$surety $args" >/dev/null 2>&1
      read -r sd su sd_cpu su_cpu < <(jq -r '[(.results[].median * 1000 | tostring),
          (.results[] | (.user + .system) * 1000 | tostring)] | join(" ")' "$tmp/h.json")
      sd=$(printf '%.2f' "$sd")
      su=$(printf '%.2f' "$su")
      sd_cpu=$(printf '%.2f' "$sd_cpu")
      su_cpu=$(printf '%.2f' "$su_cpu")
      cpu_ratio=$(ratio "$sd_cpu" "$su_cpu")
      cpu_rows+=("| $name | $(tz_label "$tz") | $n | $sd_cpu ms | $su_cpu ms | ${cpu_ratio}x |")
    else
      sd=$(time_ms "$tz" "$n" "$spec" "$r" systemd-analyze)
      su=$(time_ms "$tz" "$n" "$spec" "$r" "$surety")
      cpu_ratio=""
    fi
    wall_sd["$entry|$n"]=$sd
    wall_su["$entry|$n"]=$su
    wall_ratio=$(ratio "$sd" "$su")
    wall_rows+=("| $name | $(tz_label "$tz") | $n | $sd ms | $su ms | ${wall_ratio}x |")
    if awk -v r="$wall_ratio" -v t="$target" 'BEGIN { exit !(r >= t) }'; then
      verdict="met"
    else
      verdict="NOT met"
    fi
    cpu_note=${cpu_ratio:+, ${cpu_ratio}x CPU}
    verdicts+=("$verdict: $name, TZ $(tz_label "$tz"), N=$n: ${wall_ratio}x wall$cpu_note (target ${target}x)")
  done
  # Per iteration: the difference between the largest and smallest N.
  lo=${n_list[0]}
  hi=${n_list[${#n_list[@]} - 1]}
  if ((hi > lo)); then
    per() {
      awk -v a="$1" -v b="$2" -v n="$((hi - lo))" 'BEGIN { printf "%.3f", (b - a) * 1000 / n }'
    }
    sd_it=$(per "${wall_sd["$entry|$lo"]}" "${wall_sd["$entry|$hi"]}")
    su_it=$(per "${wall_su["$entry|$lo"]}" "${wall_su["$entry|$hi"]}")
    iter_rows+=("| $name | $(tz_label "$tz") | $sd_it µs | $su_it µs | $(ratio "$sd_it" "$su_it")x |")
  fi
done

echo "Wall time, median of the runs:"
echo
echo "| class | TZ | N | systemd-analyze | surety | ratio |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${wall_rows[@]}"
if ((${#cpu_rows[@]})); then
  echo
  echo "CPU time (user + sys), mean of the runs:"
  echo
  echo "| class | TZ | N | systemd-analyze | surety | ratio |"
  echo "| --- | --- | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${cpu_rows[@]}"
fi
if ((${#iter_rows[@]})); then
  echo
  echo "One iteration (next elapse and its printed lines), from the wall times:" \
    "(t(N=${n_list[${#n_list[@]} - 1]}) - t(N=${n_list[0]})) / $((n_list[${#n_list[@]} - 1] - n_list[0])):"
  echo
  echo "| class | TZ | systemd-analyze | surety | ratio |"
  echo "| --- | --- | ---: | ---: | ---: |"
  printf '%s\n' "${iter_rows[@]}"
fi
echo
echo "Targets (wall): >= 10x on every plain class, >= 100x on zoned specs."
printf '%s\n' "${verdicts[@]}"
