#!/usr/bin/env bash
# Whole-process time of `surety status`, `surety check` and `surety metrics`
# over JOBS jobs with RUNS runs in their history (default 1,000 jobs and
# 1,000,000 runs, 1,000 per job — the default keep_runs), side by side with
# `systemctl list-timers` when systemd runs this machine.
#
# The history is made by surety itself (one real run, which creates
# history.db with its schema), then filled with python3's sqlite3 module:
# runs of every result, newest last, as the runner records them.
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
