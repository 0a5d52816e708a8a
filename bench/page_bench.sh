#!/usr/bin/env bash
# The status page over JOBS jobs with RUNS runs in their history (default
# 1,000 jobs, 100,000 runs): its size, how long `surety serve` takes to
# answer it (a new reading each time: the server reuses one for a second,
# and hands out one up to 2 s old while it takes the next),
# and how long headless Chromium takes from start to a rendered page, side
# by side with a one-job page (the browser's own start-up). Then the same
# for a job's page (/jobs/NAME: one page of runs, both charts over its
# last 200 runs) in that file, next to the one job's page.
#
# Usage: bench/page_bench.sh [SURETY_BINARY]   (default build/surety)
# Knobs: JOBS [1000], RUNS [100000], BENCH_RUNS [10].
# Needs: python3, hyperfine, curl, chromium (scripts/setup.sh installs them).
set -euo pipefail
export LC_ALL=C
surety=${1:-build/surety}
jobs=${JOBS:-1000}
runs=${RUNS:-100000}
bench_runs=${BENCH_RUNS:-10}
[[ -x $surety ]] || { echo "error: no surety binary at $surety (build it first)" >&2; exit 2; }
for tool in hyperfine curl chromium; do
  command -v $tool >/dev/null || { echo "error: $tool not installed" >&2; exit 2; }
done
surety=$(readlink -f "$surety")
work=$(mktemp -d /tmp/surety-page-bench.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT

bash "$(dirname "$0")/make_history.sh" "$surety" "$work" "$jobs" "$runs"
printf '[settings]\nstate_dir = "%s/state1"\n[jobs.one]\ncommand = ["true"]\nschedule = "daily"\n' \
  "$work" >"$work/one.toml"
"$surety" --config "$work/one.toml" run one >/dev/null 2>&1
serve() {  # serve CONFIG: starts surety serve, sets $port
  "$surety" --config "$1" serve 127.0.0.1:0 >"$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    port=$(sed -n 's/.*address=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1.log" | head -1)
    [[ -n $port ]] && return 0
    sleep 0.1
  done
  echo "error: surety serve did not start" >&2
  exit 2
}
serve "$work/surety.toml"
big=$port
serve "$work/one.toml"
one=$port
bytes=$(curl -s "http://127.0.0.1:$big/" | wc -c)
echo "# the page over $jobs jobs: $bytes bytes" >&2
chrome="chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir=$work/profile --dump-dom"
hyperfine -N --warmup 1 --runs "$bench_runs" --prepare 'sleep 2.1' \
  -n "serve: page of $jobs jobs" "curl -s -o /dev/null http://127.0.0.1:$big/" \
  -n "serve: page of 1 job" "curl -s -o /dev/null http://127.0.0.1:$one/"
hyperfine --warmup 1 --runs "$bench_runs" --prepare 'sleep 2.1' \
  -n "chromium: page of $jobs jobs" "$chrome http://127.0.0.1:$big/ >/dev/null 2>&1" \
  -n "chromium: page of 1 job" "$chrome http://127.0.0.1:$one/ >/dev/null 2>&1"

# A job's page: job0000 has RUNS/JOBS runs; "one" has one.
job_bytes=$(curl -s "http://127.0.0.1:$big/jobs/job0000" | wc -c)
echo "# the page of job0000 ($((runs / jobs)) runs, $jobs jobs in the file): $job_bytes bytes" >&2
hyperfine -N --warmup 1 --runs "$bench_runs" --prepare 'sleep 2.1' \
  -n "serve: job page, $((runs / jobs)) runs, $jobs jobs in the file" \
  "curl -s -o /dev/null http://127.0.0.1:$big/jobs/job0000" \
  -n "serve: job page, 1 run, 1 job in the file" "curl -s -o /dev/null http://127.0.0.1:$one/jobs/one"
hyperfine --warmup 1 --runs "$bench_runs" --prepare 'sleep 2.1' \
  -n "chromium: job page, $((runs / jobs)) runs" "$chrome http://127.0.0.1:$big/jobs/job0000 >/dev/null 2>&1" \
  -n "chromium: job page, 1 run" "$chrome http://127.0.0.1:$one/jobs/one >/dev/null 2>&1"
