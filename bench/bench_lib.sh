# shellcheck shell=bash
# Helpers the whole-process benchmarks share (bench/daemon_bench.sh,
# bench/serve_load_bench.sh): sourced, not run.

die() { echo "error: $*" >&2; exit 2; }
note() { echo "# $*" >&2; }

# Stops a process we started, by pid: TERM, then KILL after $2 seconds.
stop_pid() {
  local pid=$1 grace=${2:-15} i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# "DUE LATENESS_MS" for every daemon run_started line in log $1: DUE in Unix
# seconds, lateness = time= − due=. Runner lines (`surety run` logs its own
# run_started, with run_id=) have no due= and are skipped.
due_lateness() {
  grep 'event=run_started' "$1" | grep ' due=' | awk '
    function days(y, m, d) {  # days since 1970-01-01 of a civil date
      if (m <= 2) { y--; m += 12 }
      return 365 * y + int(y / 4) - int(y / 100) + int(y / 400) + int((153 * (m - 3) + 2) / 5) + d - 719469
    }
    function epoch(s,   p, t) {  # 2026-11-22T04:16:02.000671Z → Unix seconds
      sub(/Z$/, "", s); split(s, p, "T"); split(p[1], d, "-"); split(p[2], t, ":")
      return days(d[1] + 0, d[2] + 0, d[3] + 0) * 86400 + t[1] * 3600 + t[2] * 60 + t[3]
    }
    { t = $1; sub(/^time=/, "", t); u = ""
      for (i = 2; i <= NF; i++) if ($i ~ /^due=/) u = substr($i, 5)
      printf "%.6f %.3f\n", epoch(u), (epoch(t) - epoch(u)) * 1000 }'
}

# Reads numbers on stdin; prints "N P50 P99 MAX" (nearest rank).
percentiles() {
  sort -g | awk '{ a[NR] = $1 }
    function rank(p,   i) { i = int(p * NR / 100); if (i < p * NR / 100) i++; if (i < 1) i = 1; return a[i] }
    END { if (NR == 0) { print "0 - - -"; exit } printf "%d %s %s %s\n", NR, rank(50), rank(99), a[NR] }'
}

fmt_ms() {
  if [[ $1 == - ]]; then echo "–"; else awk -v x="$1" 'BEGIN { printf (x < 10 ? "%.2f ms" : "%.0f ms"), x }'; fi
}

# CPU ms (user + system) used by pid $1 so far; 0 when it is gone.
cpu_ms() {
  local tck; tck=$(getconf CLK_TCK)
  awk -v t="$tck" '{ sub(/^.*\) /, ""); printf "%d", ($12 + $13) * 1000 / t }' "/proc/$1/stat" 2>/dev/null || echo 0
}
