#!/usr/bin/env bash
# Whole-process timing of `surety history JOB --limit 20` on a history of
# 1,000,000 runs (10 jobs of 100,000 each, `keep_runs = 100000`), the way a
# person or a monitoring script calls it: a new process that opens the state
# directory, folds the (empty) run journal, reaps dead runners and prints.
# `surety --version` is timed in the same hyperfine run as the floor a
# process start costs here.
#   bench/history_cli_bench.sh [path/to/surety]
# Needs hyperfine and python3 (its sqlite3 module fills the database).
set -euo pipefail
SURETY=$(realpath "${1:-build/surety}")
RUNS=${RUNS:-100}
N=${N:-1000000}
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

{
  echo "[settings]"
  echo "state_dir = \"$DIR/state\""
  for j in $(seq 0 9); do
    printf '[jobs.job%d]\ncommand = ["true"]\nkeep_runs = 100000\n' "$j"
  done
} > "$DIR/surety.toml"

# One real run creates the database with the current schema (and the journal).
"$SURETY" --config "$DIR/surety.toml" run job0 2>/dev/null
"$SURETY" --config "$DIR/surety.toml" history job0 >/dev/null 2>&1  # folds it into history.db

echo "filling $N runs ..." >&2
python3 - "$DIR/state/history.db" "$N" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
db.execute("PRAGMA synchronous = OFF")
db.execute("DELETE FROM runs")
tail = b"processed 1234 files, 56.7 MiB in 12.3 s; snapshot ok\n" * 4
t0 = 1_450_000_000_000_000
def rows():
    for i in range(n):
        started = t0 + i * 30_000_000
        d = 1000 + i % 60_000
        failed = i % 17 == 0
        yield ("job%d" % (i % 10), started, started + d * 1000, d, 2 if failed else 0,
               "failed" if failed else ("warning" if i % 13 == 0 else "success"),
               "exit status 2" if failed else "", tail, 1_000_000_000 + i,
               1000 + i % 30_000, 100_000 + i, i // 10 + 1)
db.executemany(
    "INSERT INTO runs (job, trigger_kind, host, started_at, finished_at, duration_ms, attempts,"
    " exit_code, signal, result, message, output_tail, artifact_size, artifact_path,"
    " alert_status, owner_pid, owner_boot_id, owner_start_time, seq)"
    " VALUES (?, 'schedule', 'backup-host-01', ?, ?, ?, 1, ?, NULL, ?, ?, ?, ?,"
    " '/backups/db.dump', 'sent', ?, '6f1c1ad0-6a1e-4a44-9b1d-3d2f8c1b0a99', ?, ?)", rows())
db.commit()
print("runs:", db.execute("SELECT count(*) FROM runs").fetchone()[0], file=sys.stderr)
db.close()
PY
sync "$DIR/state/history.db"

out=$("$SURETY" --config "$DIR/surety.toml" history job3 --limit 20 --json)
count=$(python3 -c 'import json,sys; print(len(json.loads(sys.stdin.read())))' <<<"$out")
[[ $count == 20 ]] || { echo "expected 20 records, got $count" >&2; exit 1; }

hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$DIR/r.json" \
  -n version "$SURETY --version" \
  -n history "$SURETY --config $DIR/surety.toml history job3 --limit 20" \
  -n history-json "$SURETY --config $DIR/surety.toml history job3 --limit 20 --json" \
  >/dev/null 2>&1

python3 - "$DIR/r.json" "$(du -m "$DIR/state/history.db" | cut -f1)" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(f"history.db: {sys.argv[2]} MB")
print("| command | median (ms) | max (ms) | target |")
print("| --- | --- | --- | --- |")
for k, target in (("version", ""), ("history", "< 20 ms"), ("history-json", "< 20 ms")):
    print(f"| {k} | {r[k]['median']*1000:.2f} | {r[k]['max']*1000:.2f} | {target} |")
PY
