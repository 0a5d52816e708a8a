#!/usr/bin/env bash
# Whole-process time of `surety status`, `surety check` and `surety metrics`
# over JOBS jobs with RUNS runs in their history (default 1,000 jobs and
# 1,000,000 runs, 1,000 per job — the default keep_runs), side by side with
# `systemctl list-timers` when systemd runs this machine.
# The job file and history come from bench/make_history.sh.
#
# Usage: bench/status_bench.sh [SURETY_BINARY]   (default build/surety)
# Knobs: JOBS [1000], RUNS [1000000], BENCH_RUNS [20] (hyperfine runs).
# Needs: python3, hyperfine (scripts/setup.sh installs both).
# Exit status: 0 with the table printed; 2 on bad setup.
set -euo pipefail
export LC_ALL=C

surety=${1:-build/surety}
jobs=${JOBS:-1000}
runs=${RUNS:-1000000}
bench_runs=${BENCH_RUNS:-20}
[[ -x $surety ]] || { echo "error: no surety binary at $surety (build it first)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "error: hyperfine not installed" >&2; exit 2; }
surety=$(readlink -f "$surety")
work=$(mktemp -d /tmp/surety-status-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

bash "$(dirname "$0")/make_history.sh" "$surety" "$work" "$jobs" "$runs"

cmds=(
  "$surety --config $work/surety.toml status"
  "$surety --config $work/surety.toml check"
  "$surety --config $work/surety.toml metrics"
)
names=(status check metrics)
if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
  cmds+=("systemctl list-timers --all --no-pager")
  names+=("systemctl list-timers")
else
  echo "# systemd is not running this machine: no systemctl list-timers to compare with" >&2
fi
args=()
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine -N -i --warmup 3 --runs "$bench_runs" --export-markdown "$work/table.md" \
  "${args[@]}" >/dev/null 2>&1 || hyperfine -N -i --warmup 3 --runs "$bench_runs" \
  --export-markdown "$work/table.md" "${args[@]}"
echo "## $jobs jobs, $runs runs in history ($(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1 /proc/loadavg))"
cat "$work/table.md"
