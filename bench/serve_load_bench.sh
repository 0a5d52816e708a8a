#!/usr/bin/env bash
# Whether clients of the daemon's HTTP server (`surety daemon --listen`, the
# child `surety serve`) hold up its scheduling, measured in one run on this
# machine: firing lateness with and without clients, side by side. It
# REPORTS; it does not judge: the only failures are sanity failures (the
# daemon or its server does not start, nothing fires).
#
# JOBS jobs (schedule "*:*:*", accuracy 1us, command ["true"]; max_running
# raised to MAX_RUNNING so that all of a second's runs may start at once)
# fire every second under one daemon with --listen, over a history of
# HISTORY_RUNS runs made first by bench/make_history.sh. Phases of
# PHASE_SECONDS alternate, ROUNDS times A then B, so that the machine's
# noise falls on both:
#   A  no client.
#   B  bench/http_load.py: CLIENTS keep-alive clients sending GET after GET
#      over the URL list (URLS), no pause; DRIBBLERS clients that send a
#      request one byte every DRIBBLE_MS; NON_READERS clients that pipeline
#      GETs of / and never read the answers.
# A start belongs to the phase its due second lies in (each phase holds
# PHASE_SECONDS due seconds; runs due between phases are not counted).
# Lateness = time= of the daemon's run_started line − its due=, as in
# bench/daemon_bench.sh section 3.
#
# Per phase: starts and starts per second (JOBS/s is what is asked; a
# machine that cannot start that many shows a lower rate, and the report
# says so), lateness p50/p99/max, runs queued behind max_running, runs that
# did not exit 0, CPU time of the daemon and of its server, the 1-minute
# load average; in B, HTTP requests completed and per second, their latency
# p50/p99/max as the Python clients saw it (it includes their own queueing:
# 200 threads share one interpreter), errors, and SYNs the kernel dropped on
# the server's full listen queue; how the slow clients' connections ended;
# and the latency seen by a probe, one client in a process of its own
# sending a GET every PROBE_MS over the same URLs (the server's answers
# without the load generator's own queueing).
# Then A and B pooled, and p99(B) / p99(A).
#
# The load generator shares the machine's cores with the daemon, its runs
# and its server, at nice LOADER_NICE: at 0 its CPU use is part of what is
# measured (a run's start waits until the new process is given a CPU), at
# 19 mostly not.
#
# Usage: bench/serve_load_bench.sh [SURETY_BINARY]   (default build/surety)
# Knobs (defaults in brackets): JOBS [100], MAX_RUNNING [2×JOBS],
#   HISTORY_RUNS [100000] (runs already in the history, as after a while:
#   1,000 a job is what keep_runs keeps; 0 starts from none),
#   ROUNDS [4] (A/B pairs), PHASE_SECONDS [15], WARMUP [5], CLIENTS [200],
#   DRIBBLERS [10], DRIBBLE_MS [100], NON_READERS [10],
#   URLS [/,/status.json,/metrics,/healthz,/jobs/job0001,/jobs/job0050] (comma
#   list), ACCEPT_404 [/jobs/] (path prefixes whose 404 is not an error: a
#   page not there yet), THINK_MS [0], LOADER_NICE [0], PROBE_MS [100],
#   PORT [a free one].
# Needs: bash ≥ 5 (EPOCHREALTIME), python3 (stdlib only), awk, GNU
#   coreutils, pgrep; libmicrohttpd12 (for the server); Linux /proc.
# Total time: about WARMUP + 2 × ROUNDS × (PHASE_SECONDS + 1) s plus start
#   and stop: ~2.5 minutes with the defaults.
# Exit status: 0 (report printed), 2 on bad setup or a sanity failure.
set -euo pipefail
export LC_ALL=C

surety=${1:-build/surety}
jobs=${JOBS:-100}
max_running=${MAX_RUNNING:-$((2 * jobs))}
history_runs=${HISTORY_RUNS:-100000}
rounds=${ROUNDS:-4}
phase_s=${PHASE_SECONDS:-15}
warmup=${WARMUP:-5}
clients=${CLIENTS:-200}
dribblers=${DRIBBLERS:-10}
dribble_ms=${DRIBBLE_MS:-100}
non_readers=${NON_READERS:-10}
urls=${URLS:-/,/status.json,/metrics,/healthz,/jobs/job0001,/jobs/job0050}
accept_404=${ACCEPT_404:-/jobs/}
think_ms=${THINK_MS:-0}
loader_nice=${LOADER_NICE:-0}
probe_ms=${PROBE_MS:-100}
port=${PORT:-}

# shellcheck source=bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
loader=$here/http_load.py
[[ -x $surety ]] || die "surety binary '$surety' not found (build it first)"
surety=$(readlink -f "$surety")
[[ -n ${EPOCHREALTIME:-} ]] || die "bash ≥ 5 needed (EPOCHREALTIME)"
command -v python3 >/dev/null || die "python3 not installed"
[[ -f $loader ]] || die "$loader not found"

work=$(mktemp -d /tmp/surety-serve-load.XXXXXX)
daemon_pid=""
loader_pid=""
probe_pid=""


cleanup() {
  local rc=$?
  set +e
  stop_pid "$loader_pid" 3
  stop_pid "$probe_pid" 3
  # The daemon sends SIGTERM to its server and its `surety run` children and
  # waits for them; the server also dies with it (PR_SET_PDEATHSIG).
  stop_pid "$daemon_pid" 15
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'echo "error: line $LINENO: $BASH_COMMAND failed" >&2' ERR
trap 'exit 130' INT TERM

# --- helpers (the shared ones are in bench/bench_lib.sh) -----------------------





# Sleeps until Unix time $1 (decimal).
sleep_until() {
  local d; d=$(awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { d = a - b; printf "%.3f", (d > 0 ? d : 0) }')
  sleep "$d"
}

stat_of() { sed -n "s/^$2=//p" "$1"; }  # KEY from a KEY=VALUE file

# The kernel's count of connections refused for a full listen queue (all
# sockets of the machine; the server is the one listening under load here).
# A client whose SYN is dropped tries again after 1 s, 3 s, 7 s.
listen_overflows() {
  awk '/^TcpExt:/ { if (!h) { for (i = 1; i <= NF; i++) k[i] = $i; h = 1 }
                    else for (i = 1; i <= NF; i++) if (k[i] == "ListenOverflows") print $i }' /proc/net/netstat
}

# --- the machine ---------------------------------------------------------------

note "surety: $surety ($("$surety" --version 2>/dev/null | head -1))"
note "machine: $(nproc) CPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), $(python3 --version)"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
note "load average at start: $load_start"

# --- the job file and the daemon --------------------------------------------------

# The history a daemon has after a while (bench/make_history.sh: jobs
# job0000..., HISTORY_RUNS runs in all), so that the server's readings cost
# what they would; then this benchmark's own job file for the same jobs.
if ((history_runs > 0)); then
  bash "$here/make_history.sh" "$surety" "$work" "$jobs" "$history_runs" 2>"$work/make_history.log" ||
    die "bench/make_history.sh failed: $(tail -3 "$work/make_history.log")"
fi
{
  printf '[settings]\nstate_dir = "%s"\nmax_running = %d\n\n' "$work/state" "$max_running"
  for ((i = 0; i < jobs; i++)); do
    printf '[jobs.job%04d]\nschedule = "*:*:*"\naccuracy = "1us"\ncommand = ["true"]\n\n' "$i"
  done
} >"$work/jobs.toml"
"$surety" --config "$work/jobs.toml" validate >/dev/null 2>&1 ||
  die "generated job file does not validate: $("$surety" --config "$work/jobs.toml" validate 2>&1 | head -3)"

if [[ -z $port ]]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
note "$jobs jobs every second (max_running $max_running), daemon --listen 127.0.0.1:$port"
TZ=UTC "$surety" --config "$work/jobs.toml" daemon --listen "127.0.0.1:$port" 2>"$work/daemon.log" &
daemon_pid=$!
deadline=$((SECONDS + 30))
until grep -q 'event=daemon_ready' "$work/daemon.log" 2>/dev/null &&
      grep -q 'event=serving' "$work/daemon.log" 2>/dev/null; do
  kill -0 "$daemon_pid" 2>/dev/null || die "daemon exited: $(tail -3 "$work/daemon.log")"
  ((SECONDS < deadline)) || die "daemon or its server not ready within 30 s: $(tail -3 "$work/daemon.log")"
  sleep 0.05
done
priority=$(sed -n 's/.*event=daemon_ready.* priority=\([a-z]*\).*/\1/p' "$work/daemon.log" | head -1)
server_pid=$(pgrep -P "$daemon_pid" -f -- ' serve ' | head -1 || true)
[[ -n $server_pid ]] || die "no 'surety serve' child of the daemon"
health=$(python3 -c '
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("GET", "/healthz"); r = c.getresponse(); print(r.status)' "$port" 2>&1) ||
  die "GET /healthz failed: $health"
note "daemon pid $daemon_pid (priority $priority), server pid $server_pid, /healthz $health"
for u in ${urls//,/ }; do
  code=$(python3 -c '
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("GET", sys.argv[2]); r = c.getresponse(); b = r.read(); print(r.status, len(b))' "$port" "$u")
  note "   GET $u: ${code% *}, ${code#* } bytes"
done
note "warm-up: $warmup s"
sleep "$warmup"

# --- the phases ---------------------------------------------------------------------

# phase_* arrays, one entry per phase: kind, first and last due second
# (Unix), CPU ms of daemon and server, load average after it.
phase_kind=() phase_from=() phase_to=() phase_dcpu=() phase_scpu=() phase_load=() phase_lqo=()
run_phase() {  # $1 = A or B, $2 = its number
  local kind=$1 n=$2 s0 d0 c0 q0 w0=$SECONDS
  s0=$(( ${EPOCHREALTIME%.*} + 1 ))
  sleep_until "$s0.3"
  d0=$(cpu_ms "$daemon_pid"); c0=$(cpu_ms "$server_pid"); q0=$(listen_overflows)
  if [[ $kind == B ]]; then
    nice -n "$loader_nice" python3 "$loader" --port "$port" --duration "$phase_s" --clients "$clients" \
      --urls "$urls" --accept-404 "$accept_404" --think-ms "$think_ms" \
      --dribblers "$dribblers" --dribble-ms "$dribble_ms" --non-readers "$non_readers" \
      --latencies "$work/lat.$n.txt" --stats "$work/http.$n.txt" 2>"$work/loader.$n.log" &
    loader_pid=$!
    # The probe: one client in a process of its own, at nice 0, one GET
    # every PROBE_MS over the same URLs: the server's answers as a client
    # sees them that does not queue behind 200 threads of its own.
    python3 "$loader" --port "$port" --duration "$phase_s" --clients 1 --think-ms "$probe_ms" \
      --urls "$urls" --accept-404 "$accept_404" --dribblers 0 --non-readers 0 \
      --latencies "$work/plat.$n.txt" --stats "$work/probe.$n.txt" 2>"$work/probe.$n.log" &
    probe_pid=$!
    wait "$loader_pid" || note "   WARNING: the load generator exited $?: $(tail -2 "$work/loader.$n.log")"
    wait "$probe_pid" || note "   WARNING: the probe exited $?: $(tail -2 "$work/probe.$n.log")"
    loader_pid="" probe_pid=""
  else
    sleep_until "$((s0 + phase_s)).3"
  fi
  phase_kind+=("$kind") phase_from+=("$((s0 + 1))") phase_to+=("$((s0 + phase_s))")
  phase_dcpu+=("$(($(cpu_ms "$daemon_pid") - d0))") phase_scpu+=("$(($(cpu_ms "$server_pid") - c0))")
  phase_load+=("$(cut -d' ' -f1 /proc/loadavg)") phase_lqo+=("$(($(listen_overflows) - q0))")
  note "   phase $n $kind: due seconds $((s0 + 1))..$((s0 + phase_s)) done in $((SECONDS - w0)) s (load ${phase_load[-1]})"
}
note "phases: $rounds × (A, B) × $phase_s s; B: $clients clients over $urls, $dribblers dribblers, $non_readers non-readers"
n=0
for ((r = 1; r <= rounds; r++)); do
  run_phase A $((++n))
  run_phase B $((++n))
done
# The last phase's last runs: logged within the second after it.
sleep 2
server_pid_end=$(pgrep -P "$daemon_pid" -f -- ' serve ' | head -1 || true)
stop_pid "$daemon_pid" 15; daemon_pid=""
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- analysis ---------------------------------------------------------------------------

log=$work/daemon.log
due_lateness "$log" >"$work/lateness.txt"
[[ -s $work/lateness.txt ]] || die "no run_started lines: $(tail -3 "$log")"

# Unix seconds of the time= field of each log line on stdin, one per line.
line_times() {
  awk '
    function days(y, m, d) { if (m <= 2) { y--; m += 12 }
      return 365 * y + int(y / 4) - int(y / 100) + int(y / 400) + int((153 * (m - 3) + 2) / 5) + d - 719469 }
    { s = $1; sub(/^time=/, "", s); sub(/Z$/, "", s); split(s, p, "T"); split(p[1], d, "-"); split(p[2], t, ":")
      printf "%.6f\n", days(d[1] + 0, d[2] + 0, d[3] + 0) * 86400 + t[1] * 3600 + t[2] * 60 + t[3] }'
}
# Count of the numbers in file $1 within [$2, $3).
count_in() { awk -v a="$2" -v b="$3" '$1 >= a && $1 < b { n++ } END { print n + 0 }' "$1"; }
{ grep 'event=run_exited' "$log" | grep -v ' exit=0' || true; } | line_times >"$work/t_bad.txt"
{ grep 'event=run_queued' "$log" || true; } | line_times >"$work/t_queued.txt"

rows=()
: >"$work/lat.A.txt"; : >"$work/lat.B.txt"; : >"$work/http.lat.B.txt"; : >"$work/probe.lat.B.txt"
perr_b=0 lqo_b=0 req_b=0 ok_b=0 acc404_b=0 httperr_b=0 neterr_b=0 http_s=0
statuses_b="" errors_b="" slow_b="" closed_b=""
for ((i = 0; i < ${#phase_kind[@]}; i++)); do
  k=${phase_kind[i]} from=${phase_from[i]} to=${phase_to[i]}
  awk -v a="$from" -v b="$to" '$1 >= a && $1 <= b { print $2 }' "$work/lateness.txt" >"$work/phase.$i.txt"
  cat "$work/phase.$i.txt" >>"$work/lat.$k.txt"
  read -r pn p50 p99 pmax < <(percentiles <"$work/phase.$i.txt")
  rate=$(awk -v n="$pn" -v s="$phase_s" 'BEGIN { printf "%.1f", n / s }')
  # Queued and non-zero exits by the time of the line, within the phase's
  # seconds (from its first due second to one past its last).
  queued=$(count_in "$work/t_queued.txt" "$from" "$((to + 1))")
  bad=$(count_in "$work/t_bad.txt" "$from" "$((to + 1))")
  http="–"
  if [[ $k == B ]]; then
    f=$work/http.$((i + 1)).txt
    if [[ -f $f ]]; then
      cat "$work/lat.$((i + 1)).txt" >>"$work/http.lat.B.txt"
      pf=$work/probe.$((i + 1)).txt probe="(none)"
      if [[ -f $pf ]]; then
        cat "$work/plat.$((i + 1)).txt" >>"$work/probe.lat.B.txt"
        probe="$(stat_of "$pf" p50_ms) / $(stat_of "$pf" p99_ms) / $(stat_of "$pf" max_ms) ms"
        perr_b=$((perr_b + $(stat_of "$pf" http_errors) + $(stat_of "$pf" net_errors)))
      fi
      http="$(stat_of "$f" completed) req ($(stat_of "$f" req_per_s)/s), p50 $(stat_of "$f" p50_ms) ms, p99 $(stat_of "$f" p99_ms) ms, max $(stat_of "$f" max_ms) ms, errors $(($(stat_of "$f" http_errors) + $(stat_of "$f" net_errors))), listen queue full ${phase_lqo[i]}×; probe p50/p99/max $probe"
      lqo_b=$((lqo_b + phase_lqo[i]))
      req_b=$((req_b + $(stat_of "$f" completed))); ok_b=$((ok_b + $(stat_of "$f" ok_2xx)))
      acc404_b=$((acc404_b + $(stat_of "$f" accepted_404)))
      httperr_b=$((httperr_b + $(stat_of "$f" http_errors))); neterr_b=$((neterr_b + $(stat_of "$f" net_errors)))
      http_s=$(awk -v a="$http_s" -v b="$(stat_of "$f" fast_s)" 'BEGIN { print a + b }')
      statuses_b+="${statuses_b:+; }$(stat_of "$f" statuses)" errors_b+="${errors_b:+; }$(stat_of "$f" errors)"
      slow_b+="${slow_b:+; }$(stat_of "$f" slow)" closed_b+="${closed_b:+; }$(stat_of "$f" non_reader_closed_after_s)"
    else
      http="(no result from the load generator)"
    fi
  fi
  rows+=("| $((i + 1)) $k | $pn ($rate/s) | $(fmt_ms "$p50") / **$(fmt_ms "$p99")** / $(fmt_ms "$pmax") | $queued | $bad | ${phase_dcpu[i]} / ${phase_scpu[i]} ms | ${phase_load[i]} | $http |")
done
read -r an a50 a99 amax < <(percentiles <"$work/lat.A.txt")
read -r bn b50 b99 bmax < <(percentiles <"$work/lat.B.txt")
read -r _ h50 h99 hmax < <(percentiles <"$work/http.lat.B.txt")
read -r qn p50x p99x pmaxx < <(percentiles <"$work/probe.lat.B.txt")
na=$(printf '%s\n' "${phase_kind[@]}" | grep -c A) nb=$(printf '%s\n' "${phase_kind[@]}" | grep -c B)
rate_a=$(awk -v n="$an" -v p="$na" -v s="$phase_s" 'BEGIN { printf "%.1f", n / (p * s) }')
rate_b=$(awk -v n="$bn" -v p="$nb" -v s="$phase_s" 'BEGIN { printf "%.1f", n / (p * s) }')
ratio=$(awk -v a="$a99" -v b="$b99" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "–" }')
http_rate=$(awk -v n="$req_b" -v s="$http_s" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print 0 }')

# Sanity, not judgement: nothing fired at all in a phase kind.
((an > 0 && bn > 0)) || die "no starts in the A or the B phases (A $an, B $bn)"

hwf=$(grep -c 'event=history_write_failed' "$log" || true)
srv_exited=$(grep -c 'event=server_exited' "$log" || true)
srv_reading=$(grep -c 'event=serve_reading' "$log" || true)
not_started=$(grep -c 'event=run_not_started' "$log" || true)
delayed=$(grep -c 'event=run_delayed' "$log" || true)
exits=$(grep 'event=run_exited' "$log" | sed -n 's/.* exit=\([^ ]*\).*/\1/p' | sort | uniq -c |
        awk '{ printf "%s%s×%s", s, $2, $1; s = ", " }' || true)
errors=$(grep -E 'level=error' "$log" | sed -n 's/.*event=\([^ ]*\).*/\1/p' | sort | uniq -c |
         awk '{ printf "%s%s×%s", s, $2, $1; s = ", " }' || true)

# --- report ---------------------------------------------------------------------------

shortfall=""
for r in "$rate_a" "$rate_b"; do
  awk -v r="$r" -v j="$jobs" 'BEGIN { exit !(r < 0.98 * j) }' &&
    shortfall="NOTE: fewer than $jobs starts per second were achieved (A $rate_a/s, B $rate_b/s): this machine did not sustain the asked rate."
done

echo
echo "surety daemon --listen under HTTP load, $(date -u +%Y-%m-%d), $(nproc) CPU, load average $load_start → $load_end"
echo "$jobs jobs \"*:*:*\" (accuracy 1us, max_running $max_running) over a history of $history_runs runs, daemon priority $priority; $rounds × (A, B) × $phase_s s"
echo "B: $clients keep-alive clients over $urls (404 accepted under $accept_404), $dribblers dribblers ($dribble_ms ms a byte), $non_readers non-readers; load generator at nice $loader_nice"
echo
echo "| phase | starts (/s) | lateness p50 / p99 / max | queued | exit≠0 | CPU daemon / server | load | HTTP (B) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "| pooled | starts | starts/s (asked $jobs) | lateness p50 | p99 | max |"
echo "| --- | --- | --- | --- | --- | --- |"
echo "| A: no clients | $an | $rate_a | $(fmt_ms "$a50") | **$(fmt_ms "$a99")** | $(fmt_ms "$amax") |"
echo "| B: $clients clients + slow ones | $bn | $rate_b | $(fmt_ms "$b50") | **$(fmt_ms "$b99")** | $(fmt_ms "$bmax") |"
echo
echo "lateness p99(B) / p99(A): **$ratio**"
echo "HTTP in B: $req_b requests completed in ${http_s} s ($http_rate/s): latency p50 $(fmt_ms "$h50"), p99 $(fmt_ms "$h99"), max $(fmt_ms "$hmax"); 2xx $ok_b, 404 accepted $acc404_b, other statuses $httperr_b, connection errors $neterr_b; SYNs dropped on a full listen queue (TcpExt ListenOverflows) $lqo_b"
echo "   the probe (1 client, a GET every $probe_ms ms, own process): $qn requests, p50 $(fmt_ms "$p50x"), p99 $(fmt_ms "$p99x"), max $(fmt_ms "$pmaxx"), errors $perr_b"
echo "   per B phase: statuses ${statuses_b:-–}; connection errors ${errors_b:-–}"
echo "   slow clients per B phase: ${slow_b:-–}"
echo "   the server closed a non-reader's connection after: ${closed_b:-–} s"
echo "daemon log: run exits ${exits:-none}; run_queued/run_delayed $(wc -l <"$work/t_queued.txt")/$delayed; run_not_started $not_started; history_write_failed $hwf; server_exited $srv_exited; serve_reading $srv_reading; errors ${errors:-none}"
[[ $server_pid_end == "$server_pid" ]] || echo "NOTE: the server's pid changed during the run ($server_pid → ${server_pid_end:-none})"
[[ -z $shortfall ]] || echo "$shortfall"
