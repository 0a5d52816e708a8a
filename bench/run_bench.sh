#!/usr/bin/env bash
# Whole-process comparison, side by side in one run: the overhead `surety run`
# adds to a no-op job (history write included), against the bare command and
# the shell-wrapper pattern people use today (flock -n + timeout + a bash
# wrapper that logs two lines). Prints a markdown table.
#   bench/run_bench.sh [path/to/surety]
set -euo pipefail
SURETY=$(realpath "${1:-build/surety}")
RUNS=${RUNS:-200}
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

cat > "$DIR/surety.toml" <<TOML
[settings]
state_dir = "$DIR/state"
[jobs.noop]
command = ["true"]
timeout = "1h"
TOML
cat > "$DIR/wrapper.sh" <<'SH'
#!/bin/bash
# The usual cron wrapper: a lock, a timeout, two log lines.
LOG=/tmp/wrapper-bench.log
echo "$(date -Is) start noop" >> "$LOG"
flock -n /tmp/wrapper-bench.lock timeout 3600 true
rc=$?
echo "$(date -Is) end noop rc=$rc" >> "$LOG"
exit $rc
SH
chmod +x "$DIR/wrapper.sh"
"$SURETY" --config "$DIR/surety.toml" run noop 2>/dev/null  # create the database

hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$DIR/r.json" \
  -n bare "true" \
  -n surety "$SURETY --config $DIR/surety.toml run noop" \
  -n wrapper "$DIR/wrapper.sh" >/dev/null 2>&1

python3 - "$DIR/r.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
med = {k: v["median"] * 1000 for k, v in r.items()}
print("| command | median (ms) | mean (ms) |")
print("| --- | --- | --- |")
for k in ("bare", "surety", "wrapper"):
    print(f"| {k} | {med[k]:.2f} | {r[k]['mean']*1000:.2f} |")
print()
print(f"surety overhead over the bare command: {med['surety']-med['bare']:.2f} ms (target <= 3 ms)")
print(f"wrapper / surety: {med['wrapper']/med['surety']:.2f}x (target >= 3x)")
PY

# Disk flushes per run: one for the durable record, and a WAL checkpoint
# (log, database, log header) every ninth run or so. Needs strace.
if command -v strace >/dev/null; then
  total=0
  for _ in $(seq 18); do
    n=$(strace -f -e trace=fsync,fdatasync -o /dev/stdout \
          "$SURETY" --config "$DIR/surety.toml" run noop 2>/dev/null | grep -c 'sync(')
    total=$((total + n))
  done
  echo "disk flushes: $total in 18 runs"
fi
