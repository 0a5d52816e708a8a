#!/usr/bin/env bash
# Whole-process figures of `surety daemon`, measured in one run on this
# machine, next to Debian's cron. It REPORTS; it does not judge: the only
# failures are sanity failures (the daemon does not start, logs nothing).
#
#  1. Start-up with 10,000 jobs: process start (just before exec) → the
#     `event=daemon_ready` log line, CPU time used by then, and VmRSS/VmHWM
#     from /proc/PID/status once ready. None of the jobs fires while measured
#     (their hours are chosen away from the current hour in each zone).
#  2. Idle wake-ups of that daemon over 5 s: voluntary + involuntary context
#     switches (/proc/PID/status) over a 5 s window, then completed
#     epoll_wait calls under `strace -f -p PID` over another 5 s (strace
#     attaching costs a few switches itself, so the windows are separate).
#  3. Firing lateness: 20 jobs ("*:*:0/1" ×15, "*:*:0/2" ×5, accuracy 1us,
#     command ["true"]) for LAT_SECONDS; lateness = time= of the daemon's
#     run_started line − its due=, for every start: p50, p99, max.
#  4. Burst: BURST_JOBS jobs due in the same second (~BURST_LEAD s after
#     start): due second → last run_started; then how many `surety run`
#     processes exited 0 (run_exited lines, and the history database).
#  5. Debian cron (`cron -f`, installed with apt-get if missing and we are
#     root): CRON_JOBS lines `* * * * * root date +%s.%N >> FILE` in
#     /etc/cron.d/surety-bench for CRON_MINUTES minute boundaries; lateness
#     = sample − its minute; idle wake-ups with the same two methods (the
#     blocking call is cron's sleep, not epoll_wait, so strace counts every
#     completed syscall). cron and the crontab are removed afterwards.
#
# Usage: bench/daemon_bench.sh [SURETY_BINARY]   (default build/surety)
# Knobs (defaults in brackets): STARTUP_JOBS [10000], STARTUP_RUNS [3],
#   LAT_SECONDS [20], BURST_JOBS [1000], BURST_LEAD [6], BURST_WAIT [120],
#   CRON [1] (0 skips cron), CRON_JOBS [5], CRON_MINUTES [2].
# Needs: bash ≥ 5 (EPOCHREALTIME), GNU coreutils (date -d), awk; strace
#   (apt-get installed when missing and root; else that figure is skipped);
#   sqlite3 optional (history cross-check).
# Total time: 2–3 minutes (about half of it waiting for cron's minute boundaries).
# Exit status: 0 (report printed), 2 on bad setup or a sanity failure.
set -euo pipefail
export LC_ALL=C

surety=${1:-build/surety}
startup_jobs=${STARTUP_JOBS:-10000}
startup_runs=${STARTUP_RUNS:-3}
lat_seconds=${LAT_SECONDS:-20}
burst_jobs=${BURST_JOBS:-1000}
burst_lead=${BURST_LEAD:-6}
burst_wait=${BURST_WAIT:-120}
do_cron=${CRON:-1}
cron_jobs=${CRON_JOBS:-5}
cron_minutes=${CRON_MINUTES:-2}

# shellcheck source=bench/bench_lib.sh
source "$(dirname "$0")/bench_lib.sh"
# Lateness (ms) of every daemon run_started line in log $1, one per line.
lateness_ms() { due_lateness "$1" | awk '{ print $2 }'; }

[[ -x $surety ]] || die "surety binary '$surety' not found (build it first)"
surety=$(readlink -f "$surety")
[[ -n ${EPOCHREALTIME:-} ]] || die "bash ≥ 5 needed (EPOCHREALTIME)"
is_root=0; [[ $(id -u) == 0 ]] && is_root=1

work=$(mktemp -d /tmp/surety-daemon-bench.XXXXXX)
daemon_pid=""
cron_pid=""
crontab_file=/etc/cron.d/surety-bench
crontab_ours=0


cleanup() {
  local rc=$?
  set +e
  # The daemon gives its `surety run` children SIGTERM and waits for them.
  stop_pid "$daemon_pid" 15
  stop_pid "$cron_pid" 5
  if ((crontab_ours)); then rm -f "$crontab_file"; fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'echo "error: line $LINENO: $BASH_COMMAND failed" >&2' ERR
trap 'exit 130' INT TERM

# --- helpers -----------------------------------------------------------------

# Starts the daemon on config $1 with stderr to $2; the instant just before
# exec (bash's EPOCHREALTIME, no fork in between) goes to $3. TZ=UTC so
# zone-less specs are UTC.
start_daemon() {
  TZ=UTC bash -c 'printf "%s\n" "$EPOCHREALTIME" >"$1"; exec "$2" daemon --config "$3" 2>"$4"' \
    _ "$3" "$surety" "$1" "$2" &
  daemon_pid=$!
}

# Waits until file $1 has a line matching $2 (ERE), at most $3 seconds.
wait_line() {
  local deadline=$((SECONDS + $3))
  until grep -qE -- "$2" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    kill -0 "$daemon_pid" 2>/dev/null || return 1
    sleep 0.005
  done
}

# RFC 3339 (as logged) → Unix seconds with fraction.
epoch_of() { date -u -d "$1" +%s.%N; }

# Seconds between two decimal epoch values, printed in ms with 1 decimal.
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }

proc_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
ctxt_total() { echo $(($(proc_field "$1" voluntary_ctxt_switches) + $(proc_field "$1" nonvoluntary_ctxt_switches))); }


have_strace=0
ensure_strace() {
  if command -v strace >/dev/null 2>&1; then have_strace=1; return; fi
  if ((is_root)) && command -v apt-get >/dev/null 2>&1; then
    note "installing strace (apt-get install -y strace)"
    apt-get install -y strace >"$work/apt-strace.log" 2>&1 && have_strace=1
  fi
  ((have_strace)) || note "strace unavailable: the strace wake-up count is skipped"
}

# Completed syscalls of pid $1 during $2 seconds, as "WAITS TOTAL": WAITS
# counts the calls named by the ERE $3 (the blocking wait). A call in
# progress at attach or detach is not counted.
strace_count() {
  local pid=$1 secs=$2 re=$3 out="$work/strace.$1.txt"
  timeout -s INT "$secs" strace -f -o "$out" -p "$pid" 2>/dev/null || true
  # Completed: "name(...) = N" or "<... name resumed>...) = N".
  local waits total
  waits=$(grep -E -- "$re" "$out" | grep -cE '\) += -?[0-9]' || true)
  total=$(grep -cE '\) += -?[0-9]' "$out" || true)
  echo "$waits $total"
}




# --- the machine ---------------------------------------------------------------

note "surety: $surety ($("$surety" --version 2>/dev/null | head -1))"
note "machine: $(nproc) CPU, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
note "load average at start: $load_start"
ensure_strace

# --- 1. start-up with STARTUP_JOBS idle jobs -----------------------------------

# Hours (00–23) of zone $1 at least 2 h away from its current hour, so that
# nothing fires during the benchmark (a few minutes).
safe_hours() {
  local h; h=$(TZ=$1 date +%-H)
  local out=() x d
  for ((x = 0; x < 24; x++)); do
    d=$(((x - h + 24) % 24))
    ((d >= 2 && d <= 22)) && out+=("$x")
  done
  echo "${out[*]}"
}

gen_idle_jobs() {  # $1 = file, $2 = state dir
  awk -v n="$startup_jobs" -v state="$2" \
      -v h_utc="$(safe_hours UTC)" -v h_ber="$(safe_hours Europe/Berlin)" \
      -v h_ny="$(safe_hours America/New_York)" -v h_tyo="$(safe_hours Asia/Tokyo)" '
    BEGIN {
      nu = split(h_utc, U, " "); nb = split(h_ber, B, " ")
      nn = split(h_ny, NY, " "); nt = split(h_tyo, T, " ")
      split("Mon Tue Wed Thu Fri Sat Sun", W, " ")
      printf "[settings]\nstate_dir = \"%s\"\n\n", state
      for (i = 0; i < n; i++) {
        m = i % 60; k = i % 6; j = int(i / 6)
        if (k == 0) s = sprintf("*-*-* %02d:%02d:00", U[j % nu + 1], m)               # daily
        else if (k == 1) s = sprintf("%s *-*-* %02d:%02d", W[j % 7 + 1], U[j % nu + 1], m)  # weekly
        else if (k == 2) s = sprintf("*-*-* %02d:%02d Europe/Berlin", B[j % nb + 1], m)    # zoned daily
        else if (k == 3) s = sprintf("Mon..Fri *-*-* %02d:%02d:30 America/New_York", NY[j % nn + 1], m)
        else if (k == 4) s = sprintf("*-*-01 %02d:%02d", U[j % nu + 1], m)              # monthly
        else s = sprintf("Sat,Sun *-*-* %02d:00/15 Asia/Tokyo", T[j % nt + 1])         # 4× an hour
        printf "[jobs.j%d]\nschedule = \"%s\"\ncommand = [\"true\"]\n\n", i, s
      }
    }' >"$1"
}

mkdir -p "$work/idle"
gen_idle_jobs "$work/idle/jobs.toml" "$work/idle/state"
"$surety" --config "$work/idle/jobs.toml" validate >/dev/null 2>&1 ||
  die "generated job file does not validate: $("$surety" --config "$work/idle/jobs.toml" validate 2>&1 | head -3)"
note "1. start-up: $startup_jobs jobs ($(du -h "$work/idle/jobs.toml" | cut -f1) job file), $startup_runs runs"

startup_ms=() startup_cpu=() startup_rss=() startup_hwm=()
for ((r = 1; r <= startup_runs; r++)); do
  rm -rf "$work/idle/state"
  start_daemon "$work/idle/jobs.toml" "$work/idle/daemon.$r.log" "$work/idle/t0.$r"
  wait_line "$work/idle/daemon.$r.log" 'event=daemon_ready' 30 ||
    die "daemon not ready within 30 s: $(tail -3 "$work/idle/daemon.$r.log")"
  rss=$(proc_field "$daemon_pid" VmRSS); hwm=$(proc_field "$daemon_pid" VmHWM)
  cpu=$(cpu_ms "$daemon_pid")
  ready=$(grep -m1 'event=daemon_ready' "$work/idle/daemon.$r.log" | sed 's/^time=\([^ ]*\).*/\1/')
  ms=$(ms_between "$(cat "$work/idle/t0.$r")" "$(epoch_of "$ready")")
  startup_ms+=("$ms") startup_cpu+=("$cpu") startup_rss+=("$rss") startup_hwm+=("$hwm")
  note "   run $r: ready after $ms ms (CPU $cpu ms), VmRSS $((rss / 1024)) MiB, VmHWM $((hwm / 1024)) MiB"
  ((r == startup_runs)) || stop_pid "$daemon_pid" 15
done
grep -q 'event=run_started' "$work/idle/daemon.$startup_runs.log" &&
  note "   WARNING: a job fired during the start-up measurement"
med() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
startup_med=$(med "${startup_ms[@]}")
startup_cpu_med=$(med "${startup_cpu[@]}")
rss_med=$(med "${startup_rss[@]}")
hwm_med=$(med "${startup_hwm[@]}")

# --- 2. idle wake-ups of the last start-up daemon -----------------------------

note "2. idle wake-ups: $startup_jobs idle jobs, 5 s per method"
sleep 1
c0=$(ctxt_total "$daemon_pid"); sleep 5; c1=$(ctxt_total "$daemon_pid")
idle_ctxt=$((c1 - c0))
idle_epoll="–"; idle_sys="–"
if ((have_strace)); then
  read -r idle_epoll idle_sys < <(strace_count "$daemon_pid" 5 'epoll_(p?wait|pwait2)')
fi
note "   context switches: $idle_ctxt; completed epoll_wait: $idle_epoll (all syscalls: $idle_sys)"
grep -q 'event=run_started' "$work/idle/daemon.$startup_runs.log" &&
  note "   WARNING: a job fired during the idle measurement"
stop_pid "$daemon_pid" 15; daemon_pid=""

# --- 3. firing lateness --------------------------------------------------------

note "3. lateness: 20 jobs (*:*:0/1 ×15, *:*:0/2 ×5, accuracy 1us) for $lat_seconds s"
mkdir -p "$work/lat"
{
  printf '[settings]\nstate_dir = "%s"\n\n' "$work/lat/state"
  for ((i = 1; i <= 20; i++)); do
    s='*:*:0/1'; ((i > 15)) && s='*:*:0/2'
    printf '[jobs.l%d]\nschedule = "%s"\naccuracy = "1us"\ncommand = ["true"]\n\n' "$i" "$s"
  done
} >"$work/lat/jobs.toml"
start_daemon "$work/lat/jobs.toml" "$work/lat/daemon.log" "$work/lat/t0"
wait_line "$work/lat/daemon.log" 'event=daemon_ready' 30 || die "daemon (lateness) not ready"
sleep "$lat_seconds"
stop_pid "$daemon_pid" 15; daemon_pid=""
lateness_ms "$work/lat/daemon.log" >"$work/lat/lateness.txt"
read -r lat_n lat_p50 lat_p99 lat_max < <(percentiles <"$work/lat/lateness.txt")
((lat_n > 0)) || die "no run_started lines in the lateness run: $(tail -3 "$work/lat/daemon.log")"
lat_exit0=$(grep 'event=run_exited' "$work/lat/daemon.log" | grep -c ' exit=0' || true)
note "   $lat_n starts; lateness p50 $lat_p50 ms, p99 $lat_p99 ms, max $lat_max ms; $lat_exit0 runs exited 0"

# --- 4. burst ------------------------------------------------------------------

mkdir -p "$work/burst"
burst_due=$(($(date +%s) + burst_lead))
burst_spec="*-*-* $(date -u -d "@$burst_due" +%H:%M:%S)"
note "4. burst: $burst_jobs jobs at \"$burst_spec\" (UTC)"
{
  printf '[settings]\nstate_dir = "%s"\n\n' "$work/burst/state"
  for ((i = 1; i <= burst_jobs; i++)); do
    printf '[jobs.b%d]\nschedule = "%s"\naccuracy = "1us"\ncommand = ["true"]\n\n' "$i" "$burst_spec"
  done
} >"$work/burst/jobs.toml"
start_daemon "$work/burst/jobs.toml" "$work/burst/daemon.log" "$work/burst/t0"
wait_line "$work/burst/daemon.log" 'event=daemon_ready' 30 || die "daemon (burst) not ready"
ready=$(grep -m1 'event=daemon_ready' "$work/burst/daemon.log" | sed 's/^time=\([^ ]*\).*/\1/')
awk -v r="$(epoch_of "$ready")" -v d="$burst_due" 'BEGIN { exit !(r < d) }' ||
  die "burst daemon became ready after the due second; raise BURST_LEAD"
# Wait for the due second, then for every run to be started and to exit.
# The daemon's own CPU time across the burst shows how much of the delay is
# its work and how much is waiting for a CPU.
burst_cpu0=$(cpu_ms "$daemon_pid")
while (($(date +%s) < burst_due + 1)); do sleep 0.2; done
deadline=$((SECONDS + burst_wait))
while :; do
  started=$(grep 'event=run_started' "$work/burst/daemon.log" | grep -c ' due=' || true)
  exited=$(grep -c 'event=run_exited' "$work/burst/daemon.log" || true)
  ((started >= burst_jobs && exited >= started)) && break
  ((SECONDS < deadline)) || { note "   WARNING: gave up waiting after $burst_wait s"; break; }
  sleep 0.5
done
burst_all_exited_at=$(date +%s.%N)
burst_cpu=$(($(cpu_ms "$daemon_pid") - burst_cpu0))
stop_pid "$daemon_pid" 15; daemon_pid=""
# (awk, not `grep | head`: head closing the pipe would kill grep with SIGPIPE.)
read -r first_start last_start < <(awk '/event=run_started/ && / due=/ {
    t = $1; sub(/^time=/, "", t); if (f == "") f = t; l = t } END { print f, l }' "$work/burst/daemon.log")
[[ -n $last_start ]] || die "no run_started lines in the burst run: $(tail -3 "$work/burst/daemon.log")"
burst_first_ms=$(ms_between "$burst_due" "$(epoch_of "$first_start")")
burst_last_ms=$(ms_between "$burst_due" "$(epoch_of "$last_start")")
burst_drain_s=$(awk -v a="$burst_due" -v b="$burst_all_exited_at" 'BEGIN { printf "%.0f", b - a }')
burst_exit0=$(grep 'event=run_exited' "$work/burst/daemon.log" | grep -c ' exit=0' || true)
burst_exit_other=$(grep 'event=run_exited' "$work/burst/daemon.log" | grep -v ' exit=0' |
                   sed 's/.* exit=\([^ ]*\).*/\1/' | sort | uniq -c | awk '{ printf "%s%s×%s", s, $2, $1; s = ", " }' || true)
# `surety run` logs this when the history database stayed locked longer than
# its busy timeout: the run is then missing from the history, or left there
# as running (later marked interrupted), although it succeeded.
burst_hwf=$(grep -c 'event=history_write_failed' "$work/burst/daemon.log" || true)
burst_hist="(sqlite3 not installed)"
if command -v sqlite3 >/dev/null 2>&1; then
  # A read folds the run journal into history.db first.
  "$surety" --config "$work/burst/jobs.toml" history b1 --limit 1 >/dev/null 2>&1 || true
  burst_hist=$(sqlite3 "$work/burst/state/history.db" \
    "SELECT result || '×' || count(*) FROM runs GROUP BY result ORDER BY result" 2>/dev/null | paste -sd, - || true)
fi
note "   $started started: first +$burst_first_ms ms, last +$burst_last_ms ms after the due second; daemon CPU $burst_cpu ms"
note "   exited 0: $burst_exit0 of $exited ${burst_exit_other:+(others: $burst_exit_other)}; history: $burst_hist; history_write_failed: $burst_hwf"

# --- 5. Debian cron ---------------------------------------------------------------

cron_row=""
cron_note=""
run_cron() {
  if ! command -v cron >/dev/null 2>&1; then
    if ((is_root)) && command -v apt-get >/dev/null 2>&1; then
      note "5. installing cron (apt-get install -y cron)"
      apt-get install -y cron >"$work/apt-cron.log" 2>&1 || { cron_note="apt-get install cron failed"; return; }
    else
      cron_note="cron not installed and not root"; return
    fi
  fi
  ((is_root)) || { cron_note="needs root (/etc/cron.d)"; return; }
  if pgrep -x cron >/dev/null 2>&1; then cron_note="a cron daemon already runs here; not measured"; return; fi
  [[ -e $crontab_file ]] && { cron_note="$crontab_file exists; not touched"; return; }
  mkdir -p "$work/cron"
  crontab_ours=1
  {
    echo "# surety daemon_bench.sh: removed at exit"
    echo "SHELL=/bin/sh"
    # % is a newline in a crontab line: escape it.
    for ((i = 1; i <= cron_jobs; i++)); do
      echo "* * * * * root date +\\%s.\\%N >> $work/cron/samples"
    done
  } >"$crontab_file"
  chmod 0644 "$crontab_file"
  cron -f >"$work/cron/cron.log" 2>&1 &
  cron_pid=$!
  sleep 1
  kill -0 "$cron_pid" 2>/dev/null || { cron_note="cron -f exited: $(head -2 "$work/cron/cron.log")"; cron_pid=""; return; }
  note "5. cron: $cron_jobs jobs a minute, $cron_minutes minute boundaries"
  # Idle: a 10 s window away from the minute boundary (cron wakes there).
  while :; do
    s=$(date +%-S); ((s >= 5 && s <= 45)) && break
    sleep 0.5
  done
  c0=$(ctxt_total "$cron_pid"); sleep 5; c1=$(ctxt_total "$cron_pid")
  cron_ctxt=$((c1 - c0))
  cron_sys="–"
  if ((have_strace)); then
    read -r _ cron_sys < <(strace_count "$cron_pid" 5 '.')
  fi
  note "   idle: context switches $cron_ctxt; completed syscalls $cron_sys"
  local want=$((cron_jobs * cron_minutes)) deadline=$((SECONDS + 60 * cron_minutes + 75)) n
  while :; do
    n=0; [[ -f $work/cron/samples ]] && n=$(wc -l <"$work/cron/samples")
    ((n >= want)) && break
    ((SECONDS < deadline)) || { note "   WARNING: only $n cron samples"; break; }
    sleep 1
  done
  sleep 1
  stop_pid "$cron_pid" 5; cron_pid=""
  rm -f "$crontab_file"; crontab_ours=0
  awk '{ printf "%.3f\n", ($1 - int($1 / 60) * 60) * 1000 }' "$work/cron/samples" >"$work/cron/lateness.txt"
  read -r cron_n cron_p50 cron_p99 cron_max < <(percentiles <"$work/cron/lateness.txt")
  note "   $cron_n samples: lateness p50 $cron_p50 ms, p99 $cron_p99 ms, max $cron_max ms"
  cron_row="| Debian cron $(dpkg-query -W -f='${Version}' cron 2>/dev/null || true) | $(fmt_ms "$cron_p50") | $(fmt_ms "$cron_p99") ($cron_n samples) | $cron_ctxt ctxt / $cron_sys syscalls | 1 min |"
}
if ((do_cron)); then run_cron; else cron_note="skipped (CRON=0)"; fi

# --- report -----------------------------------------------------------------------

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
kib_mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
echo
echo "surety daemon, $(date -u +%Y-%m-%d), $(nproc) CPU, load average $load_start → $load_end"
echo
echo "| figure | measured | target |"
echo "| --- | --- | --- |"
echo "| start-up, $startup_jobs jobs: exec → daemon_ready (median of $startup_runs) | **$(fmt_ms "$startup_med")** ($(printf '%s ' "${startup_ms[@]}")ms; CPU $startup_cpu_med ms) | < 300 ms |"
echo "| resident memory once ready (VmRSS; peak VmHWM) | **$(kib_mib "$rss_med")** (peak $(kib_mib "$hwm_med")) | < 64 MiB |"
echo "| idle wake-ups / 5 s, $startup_jobs jobs | **$idle_epoll** epoll_wait returns (strace); $idle_ctxt context switches | a handful |"
echo "| lateness, 20 jobs at 1–2 s, $lat_n starts: p50 / p99 / max | **$(fmt_ms "$lat_p50")** / **$(fmt_ms "$lat_p99")** / $(fmt_ms "$lat_max") | < 5 ms / < 20 ms |"
echo "| burst, $burst_jobs jobs in one second: due → last run_started | **$(fmt_ms "$burst_last_ms")** (first $(fmt_ms "$burst_first_ms"); daemon CPU meanwhile $burst_cpu ms) | < 2 s |"
echo "| burst: \`surety run\` exited 0 | **$burst_exit0 / $burst_jobs** (all exited ≈ $burst_drain_s s after due) | |"
echo "| burst: history records (result×count); \`history_write_failed\` log lines | $burst_hist; **$burst_hwf** | $burst_jobs success; 0 |"
echo
echo "| scheduler | lateness p50 | p99 | idle wake-ups / 5 s | granularity |"
echo "| --- | --- | --- | --- | --- |"
echo "| surety daemon | $(fmt_ms "$lat_p50") | $(fmt_ms "$lat_p99") ($lat_n starts) | $idle_ctxt ctxt / ${idle_sys} syscalls ($startup_jobs jobs) | 1 µs (accuracy) |"
if [[ -n $cron_row ]]; then echo "$cron_row"; else echo "| Debian cron | $cron_note | | | 1 min |"; fi
