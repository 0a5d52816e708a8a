#!/usr/bin/env bash
# The job file and history the whole-process benchmarks share: JOBS jobs
# (job0000, job0001, ...) with RUNS runs in their history, RUNS/JOBS each.
# The history is made by surety itself (one real run, which creates
# history.db with its schema), then filled with python3's sqlite3 module:
# runs of every result, newest last, as the runner records them.
# Writes WORK/surety.toml and WORK/state/.
# Usage: bench/make_history.sh SURETY_BINARY WORK JOBS RUNS
set -euo pipefail
surety=${1:?usage: make_history.sh SURETY_BINARY WORK JOBS RUNS}
work=${2:?usage: make_history.sh SURETY_BINARY WORK JOBS RUNS}
jobs=${3:?usage: make_history.sh SURETY_BINARY WORK JOBS RUNS}
runs=${4:?usage: make_history.sh SURETY_BINARY WORK JOBS RUNS}

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

