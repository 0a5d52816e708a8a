#!/usr/bin/env bash
# The status page over JOBS jobs with RUNS runs in their history (default
# 1,000 jobs, 100,000 runs): its size, how long `surety serve` takes to
# answer it (a new reading each time: the server reuses one for a second),
# and how long headless Chromium takes from start to a rendered page, side
# by side with a one-job page (the browser's own start-up).
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

{
  echo "[settings]"
  echo "state_dir = \"$work/state\""
  for ((j = 0; j < jobs; j++)); do
    printf '[jobs.job%04d]\ncommand = ["true"]\nschedule = "*-*-* %02d:%02d"\n' \
      "$j" $((j % 24)) $((j % 60))
  done
} >"$work/surety.toml"
"$surety" --config "$work/surety.toml" run job0000 >/dev/null 2>&1
"$surety" --config "$work/surety.toml" history job0000 >/dev/null 2>&1  # folds the journal

python3 - "$work/state/history.db" "$jobs" "$runs" <<'EOF'
import sqlite3, sys, random
path, jobs, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
db = sqlite3.connect(path)
db.execute("DELETE FROM runs")
results = ["success"] * 90 + ["warning"] * 4 + ["failed"] * 3 + ["skipped"] * 2 + ["timeout"]
per_job = runs // jobs
now_us = 1796500000 * 1000000
rng = random.Random(1)
def rows():
    for j in range(jobs):
        name = "job%04d" % j
        for k in range(per_job):
            start = now_us - (per_job - k) * 86400 * 1000000
            r = rng.choice(results)
            yield (name, "schedule", "bench", start, start + 5000000, 5000, 1, 0, None, r,
                   "exited with status 0", b"", None, "", "", 0, "", 0, k + 1)
db.executemany(
    "INSERT INTO runs (job, trigger_kind, host, started_at, finished_at, duration_ms, attempts,"
    " exit_code, signal, result, message, output_tail, artifact_size, artifact_path,"
    " alert_status, owner_pid, owner_boot_id, owner_start_time, seq)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows())
db.commit()
print("# history: %d runs of %d jobs" % (db.execute("SELECT COUNT(*) FROM runs").fetchone()[0], jobs),
      file=sys.stderr)
db.close()
EOF


printf '[settings]\nstate_dir = "%s/state1"\n[jobs.one]\ncommand = ["true"]\nschedule = "daily"\n' \
  "$work" >"$work/one.toml"
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
hyperfine -N --warmup 1 --runs "$bench_runs" --prepare 'sleep 1.1' \
  -n "serve: page of $jobs jobs" "curl -s -o /dev/null http://127.0.0.1:$big/" \
  -n "serve: page of 1 job" "curl -s -o /dev/null http://127.0.0.1:$one/"
hyperfine --warmup 1 --runs "$bench_runs" --prepare 'sleep 1.1' \
  -n "chromium: page of $jobs jobs" "$chrome http://127.0.0.1:$big/ >/dev/null 2>&1" \
  -n "chromium: page of 1 job" "$chrome http://127.0.0.1:$one/ >/dev/null 2>&1"
