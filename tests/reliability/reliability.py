#!/usr/bin/env python3
"""The reliability suite: surety under faults, races, attackers and overload.

Each attack drives the built `surety` binary from outside, as a user or an
attacker would, and counts what matters:

  tries     how many times the attack was made
  lost      runs that happened (the job's command started, or the runner
            said so) but are neither in the history nor logged at level
            error as run_lost: must be 0
  alerts    alerts owed by the final history (a failure alert for every
            failed, timed-out or interrupted run that follows a good one
            or none; a recovery for the first good run after a bad one)
            that never reached the receiver: must be 0
  leftover  processes, outbox entries or `running` records left behind
            once everything has finished: must be 0
  wrong     anything else that must not happen (runs that overlapped, a
            damaged history nobody was told of): shown when not 0

Attacks:
  kill9      `kill -9` of `surety run` at random instants: before the start
             record, in the job, while the record is written, while alerts
             are delivered
  concurrent many runners of the same jobs at once (overlap = "skip")
  full-disk  the state directory on a small file system filled to a few
             bytes of its end (needs root: mount)
  read-only  the state directory remounted read-only under a reader and a
             runner (needs root: mount)
  corrupt    history.db damaged between runs: garbage over the header, cut
             in half, emptied, a page overwritten
  symlink    root's state directory reached through a symlink in a sticky
             directory that user nobody swaps to a directory of its own,
             with a lock-file symlink planted there (needs root)
  overload   `surety daemon` with 500 jobs due every second: runs/s
             sustained, start delay p50/p99, time to act on SIGTERM

Usage: tests/reliability/reliability.py [--surety build/surety] [--soak]
       [--only ATTACK[,ATTACK...]]
--soak multiplies the tries (and the overload time) by about ten.
Exit status: 0 when every count that must be 0 is 0; 1 otherwise; 2 when
the suite could not run. An attack that needs root says "not run (needs
root)" in the table, and counts as a failure unless
RELIABILITY_ALLOW_UNPRIVILEGED=1.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

FAILURE_RESULTS = {"failed", "timeout", "interrupted", "verify_failed", "preflight_failed"}
GOOD_RESULTS = {"success", "warning", "already_done"}


class Attack:
    """What one attack measured."""

    def __init__(self, name):
        self.name = name
        self.tries = 0
        self.lost = 0
        self.alerts_lost = 0
        self.leftover = 0
        self.wrong = 0  # anything else that must not happen (an overlap, a run that said nothing)
        self.notes = []
        self.not_run = ""

    def failed(self):
        return self.not_run or self.lost or self.alerts_lost or self.leftover or self.wrong

    def note(self, text):
        self.notes.append(text)


class Env:
    """A scratch directory with a job file, and helpers to run surety there."""

    def __init__(self, surety, root, name):
        self.surety = surety
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.state = os.path.join(self.dir, "state")
        self.config = os.path.join(self.dir, "surety.toml")
        self.alerts_file = os.path.join(self.dir, "alerts")
        self.started_file = os.path.join(self.dir, "started")
        self.logs = os.path.join(self.dir, "logs")
        os.makedirs(self.logs)
        self.log_count = 0

    def write_config(self, jobs, settings="", state=None):
        state = state or self.state
        text = '[settings]\nstate_dir = "%s"\n%s\n' % (state, settings)
        text += (
            "[alerts.rec]\n"
            'kind = "exec"\n'
            'command = ["sh", "-c", "sleep 0.03; echo \\"$SURETY_IDEMPOTENCY_KEY '
            '$SURETY_RUN_ID $SURETY_EVENT $SURETY_RESULT\\" >> %s"]\n\n' % self.alerts_file
        )
        text += jobs
        with open(self.config, "w") as f:
            f.write(text)

    def cmd(self, *args):
        return [self.surety, "--config", self.config, *args]

    def log_path(self):
        self.log_count += 1
        return os.path.join(self.logs, "%05d.log" % self.log_count)

    def run(self, *args, timeout=120, env=None):
        """Runs surety to completion; (exit status, stdout, stderr)."""
        p = subprocess.run(self.cmd(*args), capture_output=True, text=True,
                           timeout=timeout, env=env)
        with open(self.log_path(), "w") as f:
            f.write(p.stderr)
        return p.returncode, p.stdout, p.stderr

    def history(self, job=None):
        args = ["history", "--json", "--limit", "1000000"]
        if job:
            args.insert(1, job)
        rc, out, err = self.run(*args)
        if rc != 0:
            raise RuntimeError("surety history failed (%d): %s" % (rc, err.strip()))
        return json.loads(out)

    def started_ids(self):
        if not os.path.exists(self.started_file):
            return []
        with open(self.started_file) as f:
            return [line.split()[0] for line in f if line.strip()]

    def alerts(self):
        """(run id, event) pairs delivered, and how many deliveries in all."""
        seen = set()
        count = 0
        if os.path.exists(self.alerts_file):
            with open(self.alerts_file) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) >= 3:
                        seen.add((parts[1], parts[2]))
                        count += 1
        return seen, count

    def all_logs(self):
        text = ""
        for name in sorted(os.listdir(self.logs)):
            with open(os.path.join(self.logs, name), errors="replace") as f:
                text += f.read()
        return text


def job_block(name, command, extra=""):
    # keep_runs: the soak makes more runs than the default retention keeps.
    return '[jobs.%s]\ncommand = %s\nalert = ["rec"]\ntimeout = "30s"\nkeep_runs = 100000\n%s\n' % (
        name, json.dumps(command), extra)


def expected_alerts(records):
    """The (run id, event) pairs the final history owes, per job."""
    owed = set()
    by_job = {}
    for r in records:
        by_job.setdefault(r["job"], []).append(r)
    for runs in by_job.values():
        runs.sort(key=lambda r: r["id"])
        previous = None
        for r in runs:
            # A failure after a failure is no news: its alerts heard the
            # first (a run whose runner died, told by the next run, is
            # owed only as a change into failing too).
            if r["result"] in FAILURE_RESULTS and previous not in FAILURE_RESULTS:
                owed.add((str(r["id"]), "failure"))
            elif r["result"] in GOOD_RESULTS and previous in FAILURE_RESULTS:
                owed.add((str(r["id"]), "recovery"))
            if r["result"] not in ("skipped", "running"):
                previous = r["result"]
    return owed


def processes_below(marker):
    """Pids of live processes whose command line contains `marker`."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open("/proc/%s/stat" % entry) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            pids.append(int(entry))
    return pids


def wait_gone(marker, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not processes_below(marker):
            return 0
        time.sleep(0.05)
    return len(processes_below(marker))


def settle(env, job, attack):
    """Lets the job's next run tell what earlier runners left, drains the
    outbox, and counts what is still left behind."""
    env.run("run", job)
    env.run("outbox", "--drain")
    rc, out, _ = env.run("outbox", "--json")
    waiting = json.loads(out) if rc == 0 and out.strip() else []
    if waiting:
        attack.leftover += len(waiting)
        attack.note("%d alerts still in the outbox" % len(waiting))


def judge_runs(env, attack, records, started, logged_lost=0):
    """Counts started runs missing from history, stuck records, owed alerts."""
    ids = {str(r["id"]) for r in records}
    if len(ids) != len(records):
        attack.lost += len(records) - len(ids)
        attack.note("duplicate run ids in the history")
    missing = [s for s in started if s == "0" or s not in ids]
    attack.lost += max(0, len(missing) - logged_lost)
    running = [r for r in records if r["result"] == "running"]
    if running:
        attack.leftover += len(running)
        attack.note("%d records still running" % len(running))
    owed = expected_alerts(records)
    got, deliveries = env.alerts()
    lost = owed - got
    attack.alerts_lost += len(lost)
    if lost:
        attack.note("owed but never delivered: %s" % sorted(lost)[:5])
    attack.note("%d runs recorded, %d alerts owed, %d deliveries (%d repeats)" %
                (len(records), len(owed), deliveries, deliveries - len(got)))


# --- the attacks --------------------------------------------------------------


def attack_kill9(surety, root, tries):
    a = Attack("kill9")
    env = Env(surety, root, "kill9")
    mode = os.path.join(env.dir, "mode")
    env.write_config(job_block("work", [
        "sh", "-c",
        'echo "$SURETY_RUN_ID" >> %s; sleep 0.02; test "$(cat %s)" = ok' % (env.started_file, mode),
    ]))
    marker = env.config
    killed_after = {}
    for i in range(tries):
        with open(mode, "w") as f:
            f.write(random.choice(["ok", "fail"]))
        log = env.log_path()
        p = subprocess.Popen(env.cmd("run", "work"), stdout=subprocess.DEVNULL,
                             stderr=open(log, "w"))
        # Most runs take 50-150 ms (record, job, alert); kill anywhere in it.
        time.sleep(random.uniform(0, 0.2))
        p.send_signal(signal.SIGKILL)
        p.wait()
        a.tries += 1
        with open(log) as f:
            events = [w[6:] for w in f.read().split() if w.startswith("event=")]
        last = events[-1] if events else "(nothing logged)"
        killed_after[last] = killed_after.get(last, 0) + 1
        if i % 10 == 9:
            wait_gone(env.dir)
    with open(mode, "w") as f:
        f.write("ok")
    a.leftover += wait_gone(env.dir)
    a.note("killed after: " + ", ".join("%s %d" % kv for kv in sorted(killed_after.items())))
    settle(env, "work", a)
    judge_runs(env, a, env.history("work"), env.started_ids())
    a.leftover += len(processes_below(marker))
    return a


def attack_concurrent(surety, root, rounds):
    a = Attack("concurrent")
    env = Env(surety, root, "concurrent")
    jobs = ""
    for j in range(4):
        jobs += job_block("job%d" % j, [
            "sh", "-c", 'echo "$SURETY_RUN_ID $SURETY_JOB" >> %s; sleep 0.3' % env.started_file,
        ], 'overlap = "skip"\n')
    env.write_config(jobs)
    per_round = 24
    for _ in range(rounds):
        procs = [subprocess.Popen(env.cmd("run", "job%d" % (k % 4)), stdout=subprocess.DEVNULL,
                                  stderr=open(env.log_path(), "w")) for k in range(per_round)]
        for p in procs:
            p.wait()
        a.tries += per_round
    records = env.history()
    if len(records) != a.tries:
        a.lost += max(0, a.tries - len(records))
        a.note("%d runners, %d records" % (a.tries, len(records)))
    ran = [r for r in records if r["result"] == "success"]
    # overlap = "skip": one run per job per round, the rest skipped
    extra_ran = len(ran) - 4 * rounds
    if extra_ran > 0:
        a.note("%d runs overlapped a running one" % extra_ran)
        a.wrong += extra_ran
    judge_runs(env, a, records, env.started_ids())
    a.leftover += wait_gone(env.dir)
    return a


def can_mount():
    return os.geteuid() == 0 and shutil.which("mount") is not None


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs", path],
                   check=True)


def umount(path):
    subprocess.run(["umount", "-l", path], check=False)


def fill(path, leave):
    """Fills the file system of `path` until about `leave` bytes are free."""
    filler = os.path.join(path, "filler")
    st = os.statvfs(path)
    free = st.f_bavail * st.f_frsize
    with open(filler, "ab") as f:
        try:
            f.write(b"\0" * max(0, free - leave))
        except OSError:
            pass
    return filler


def attack_full_disk(surety, root, tries):
    a = Attack("full-disk")
    if not can_mount():
        a.not_run = "needs root (mount)"
        return a
    env = Env(surety, root, "full-disk")
    mount_tmpfs(env.state, "2m")
    try:
        # The job fails or succeeds at random (the mode file, outside the
        # full file system), so that failures and recoveries are owed.
        mode = os.path.join(env.dir, "mode")
        env.write_config(job_block("work", [
            "sh", "-c", 'echo "$SURETY_RUN_ID" >> %s; head -c 30000 /dev/zero | tr "\\0" x; '
            'exit "$(cat %s)"' % (env.started_file, mode),
        ]))
        with open(mode, "w") as f:
            f.write("1")
        rc, _, err = env.run("run", "work")  # creates history.db while there is room
        a.tries += 1
        lost_logged = 0
        troubled = 0
        for i in range(tries):
            want = random.choice([0, 1, 1])
            with open(mode, "w") as f:
                f.write(str(want))
            filler = fill(env.state, random.choice([0, 0, 1024, 4096, 16384, 40000]))
            rc, _, err = env.run("run", "work")
            a.tries += 1
            if rc != want:
                a.note("a run on a full disk exited %d, not the job's %d" % (rc, want))
                a.wrong += 1
            if "event=run_lost" in err:
                lost_logged += 1
            if "level=error event=history" in err or "level=error event=outbox" in err:
                troubled += 1
            os.unlink(filler)
        a.note("%d runs met a full disk (logged at level error), %d of them logged run_lost" %
               (troubled, lost_logged))
        settle(env, "work", a)
        records = env.history("work")
        tails_dropped = len([r for r in records if "output tail not recorded" in r["message"]])
        a.note("%d records kept without their output tail" % tails_dropped)
        judge_runs(env, a, records, env.started_ids(), logged_lost=lost_logged)
    finally:
        umount(env.state)
    return a


def attack_read_only(surety, root, tries):
    a = Attack("read-only")
    if not can_mount():
        a.not_run = "needs root (mount)"
        return a
    env = Env(surety, root, "read-only")
    os.makedirs(env.state, mode=0o700)
    env.write_config(job_block("work", [
        "sh", "-c", 'echo "$SURETY_RUN_ID" >> %s' % env.started_file,
    ]))
    for i in range(tries):
        env.run("run", "work")
        a.tries += 1
        if i == tries // 2:
            env.history("work")  # half folded into history.db, half left in the journal
    subprocess.run(["mount", "--bind", env.state, env.state], check=True)
    subprocess.run(["mount", "-o", "remount,bind,ro", env.state], check=True)
    try:
        rc, out, err = env.run("history", "work", "--json", "--limit", "100000")
        if rc != 0:
            a.lost += tries
            a.note("history on a read-only state directory exited %d: %s" % (rc, err.strip()))
        else:
            shown = {str(r["id"]) for r in json.loads(out)}
            missing = [s for s in env.started_ids() if s not in shown]
            a.lost += len(missing)
        rc, _, err = env.run("run", "work")
        a.tries += 1
        if rc == 0 and "level=error" not in err:
            a.wrong += 1
            a.note("a run on a read-only state directory said nothing")
        else:
            a.note("a run on it: exit %d, %s" % (rc, "loud" if "level=error" in err else "quiet"))
        rc, _, err = env.run("next", "work")
        if rc != 0:
            a.note("next on it exited %d: %s" % (rc, err.strip()[:200]))
            a.wrong += 1
    finally:
        umount(env.state)
    return a


def corrupt(path, how):
    """Damages history.db `how`, after moving everything in its write-ahead
    log into it (as SQLite's own checkpoints do), so that the damage is to
    pages SQLite reads."""
    import sqlite3
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    size = os.path.getsize(path)
    if how == "header":
        with open(path, "r+b") as f:
            f.write(os.urandom(100))
    elif how == "half":
        with open(path, "r+b") as f:
            f.truncate(size // 2)
    elif how == "empty":
        with open(path, "r+b") as f:
            f.truncate(0)
    elif how == "page":
        with open(path, "r+b") as f:
            f.seek(max(1024, size - 1024))
            f.write(os.urandom(1024))


def attack_corrupt(surety, root, tries):
    a = Attack("corrupt")
    env = Env(surety, root, "corrupt")
    mode = os.path.join(env.dir, "mode")
    env.write_config(job_block("work", [
        "sh", "-c", 'echo "$SURETY_RUN_ID" >> %s; test "$(cat %s)" = ok' % (env.started_file, mode),
    ]))
    db = os.path.join(env.state, "history.db")
    kinds = ["header", "half", "empty", "page"]
    after_damage = []
    loud = 0
    for i in range(tries):
        with open(mode, "w") as f:
            f.write("fail")
        env.run("run", "work")
        env.history("work")  # folded into history.db
        corrupt(db, kinds[i % len(kinds)])
        before = set(env.started_ids())
        # the failure before the damage must still get its recovery
        with open(mode, "w") as f:
            f.write("ok")
        rc, _, err = env.run("run", "work")
        a.tries += 1
        after_damage += [s for s in env.started_ids() if s not in before]
        rc, out, err2 = env.run("history", "work", "--json", "--limit", "100000")
        if "damaged" in err + err2:
            loud += 1
        else:
            a.note("%s damage: nothing said" % kinds[i % len(kinds)])
        if rc != 0:
            a.lost += 1
            a.note("history after %s damage exited %d: %s" % (kinds[i % len(kinds)], rc, err2.strip()))
            continue
        shown = {str(r["id"]) for r in json.loads(out)}
        a.lost += len([s for s in after_damage if s not in shown])
        after_damage = []
    a.note("damage said loudly %d of %d times" % (loud, tries))
    a.wrong += tries - loud
    got, _ = env.alerts()
    recoveries = len([g for g in got if g[1] == "recovery"])
    if recoveries < tries:
        a.alerts_lost += tries - recoveries
        a.note("%d of %d recoveries after damage delivered" % (recoveries, tries))
    aside = [n for n in os.listdir(env.state) if ".damaged-" in n and not n.endswith(("-wal", "-shm"))]
    a.note("%d damaged files set aside for sqlite3 .recover" % len(aside))
    a.leftover += wait_gone(env.dir)
    return a


def attack_symlink(surety, root, tries):
    a = Attack("symlink")
    if os.geteuid() != 0:
        a.not_run = "needs root"
        return a
    import pwd
    nobody = pwd.getpwnam("nobody")
    base = os.path.join(root, "symlink")
    sticky = os.path.join(base, "sticky")
    os.makedirs(sticky)
    os.chmod(base, 0o755)
    os.chmod(root, 0o755)
    os.chmod(sticky, 0o1777)
    real = os.path.join(base, "root-state")
    os.makedirs(real, mode=0o700)
    evil = os.path.join(sticky, "evil")
    target = os.path.join(base, "root-file-nobody-chose")
    link = os.path.join(sticky, "state")
    env = Env(surety, base, "env")
    env.write_config(job_block("work", ["true"]), state=link)
    # The attacker (nobody): a directory of its own with a planted lock-file
    # symlink, and the link swapped between root's directory and its own.
    attacker = subprocess.Popen(
        ["setpriv", "--reuid=%d" % nobody.pw_uid, "--regid=%d" % nobody.pw_gid, "--clear-groups",
         "sh", "-c",
         'mkdir -p %(evil)s/locks && ln -sf %(target)s %(evil)s/locks/work.lock && '
         'ln -sfn %(real)s %(link)s && '
         'while :; do ln -sfn %(evil)s %(link)s.new && mv -T %(link)s.new %(link)s; '
         'ln -sfn %(real)s %(link)s.new && mv -T %(link)s.new %(link)s; done'
         % {"evil": evil, "target": target, "real": real, "link": link}],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    refused = 0
    try:
        for _ in range(tries):
            rc, _, err = env.run("run", "work")
            a.tries += 1
            if rc == 2:
                refused += 1
    finally:
        attacker.kill()
        attacker.wait()
    written_by_root = []
    for dirpath, dirnames, filenames in os.walk(evil):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            if os.lstat(p).st_uid == 0:
                written_by_root.append(p)
    if os.path.exists(target):
        written_by_root.append(target)
    a.leftover += len(written_by_root)
    if written_by_root:
        a.note("root wrote where nobody chose: %s" % written_by_root[:3])
    accepted = a.tries - refused
    a.note("%d runs refused (exit 2, the state directory is not root's alone), %d ran" %
           (refused, accepted))
    if accepted:
        # Whatever ran must be in root's own directory's history.
        env2 = Env(surety, base, "reader")
        env2.write_config(job_block("work", ["true"]), state=real)
        recorded = len(env2.history("work"))
        if recorded < accepted:
            a.lost += accepted - recorded
            a.note("%d runs ran, %d in root's history" % (accepted, recorded))
    return a


def attack_overload(surety, root, seconds):
    a = Attack("overload")
    env = Env(surety, root, "overload")
    jobs = ""
    for j in range(500):
        jobs += '[jobs.j%03d]\ncommand = ["true"]\nschedule = "*:*:*"\naccuracy = "1ms"\n\n' % j
    env.write_config(jobs)
    log = os.path.join(env.dir, "daemon.log")
    with open(log, "w") as out:
        daemon = subprocess.Popen(env.cmd("daemon"), stdout=out, stderr=subprocess.STDOUT)
    time.sleep(seconds)
    t0 = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    try:
        daemon.wait(timeout=120)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.wait()
        a.leftover += 1
        a.note("the daemon did not exit within 120 s of SIGTERM")
    stop_s = time.monotonic() - t0
    a.leftover += wait_gone(env.config, 5)
    delays = []
    starts = []
    spawned = 0
    with open(log, errors="replace") as f:
        for line in f:
            if "event=run_started" in line and " due=" in line:
                spawned += 1
                fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
                try:
                    t = parse_time(fields["time"])
                    d = parse_time(fields["due"])
                    delays.append(max(0.0, t - d))
                    starts.append(t)
                except (KeyError, ValueError):
                    pass
    records = env.history()
    a.tries = spawned
    ids = {r["id"] for r in records}
    running = [r for r in records if r["result"] == "running"]
    a.leftover += len(running)
    lost = max(0, spawned - len(records))
    a.lost += lost
    delays.sort()
    p50 = delays[len(delays) // 2] if delays else float("nan")
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))] if delays else float("nan")
    span = (max(starts) - min(starts)) if len(starts) > 1 else float(seconds)
    a.note("500 jobs due every second for %d s: %d runs started, %d recorded, %.0f runs/s "
           "sustained; start delay p50 %.3f s, p99 %.3f s; SIGTERM to exit %.2f s" %
           (seconds, spawned, len(ids), spawned / span, p50, p99, stop_s))
    return a


def parse_time(text):
    """Seconds since the epoch of an RFC 3339 UTC time with fractions."""
    from datetime import datetime, timezone
    text = text.strip('"')
    if text.endswith("Z"):
        text = text[:-1]
    if "." in text:
        main, frac = text.split(".", 1)
    else:
        main, frac = text, "0"
    dt = datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return dt.timestamp() + float("0." + frac)


ATTACKS = {
    "kill9": (attack_kill9, 150),
    "concurrent": (attack_concurrent, 10),
    "full-disk": (attack_full_disk, 30),
    "read-only": (attack_read_only, 10),
    "corrupt": (attack_corrupt, 16),
    "symlink": (attack_symlink, 150),
    "overload": (attack_overload, 12),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--surety", default="build/surety")
    parser.add_argument("--soak", action="store_true")
    parser.add_argument("--only", default="")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    surety = os.path.abspath(args.surety)
    if not os.access(surety, os.X_OK):
        print("reliability: no surety binary at %s (build it first)" % surety, file=sys.stderr)
        return 2
    random.seed(args.seed)
    chosen = [n for n in args.only.split(",") if n] or list(ATTACKS)
    for n in chosen:
        if n not in ATTACKS:
            print("reliability: unknown attack %r (one of %s)" % (n, ", ".join(ATTACKS)),
                  file=sys.stderr)
            return 2
    allow_unprivileged = os.environ.get("RELIABILITY_ALLOW_UNPRIVILEGED") == "1"
    root = tempfile.mkdtemp(prefix="surety-reliability-")
    os.chmod(root, 0o755)
    print("reliability: seed %d, %s, scratch %s" % (args.seed, "soak" if args.soak else "quick",
                                                    root), flush=True)
    results = []
    try:
        for n in chosen:
            fn, amount = ATTACKS[n]
            if args.soak:
                amount *= 10 if n != "overload" else 8
            t0 = time.monotonic()
            a = fn(surety, root, amount)
            a.seconds = time.monotonic() - t0
            results.append(a)
            status = ("not run (%s)" % a.not_run) if a.not_run else (
                "FAIL" if a.failed() else "ok")
            print("%-10s tries %5d  lost %d  alerts lost %d  leftover %d%s  %5.1f s  %s" %
                  (a.name, a.tries, a.lost, a.alerts_lost, a.leftover,
                   "  wrong %d" % a.wrong if a.wrong else "", a.seconds, status), flush=True)
            for note in a.notes:
                print("           %s" % note, flush=True)
    finally:
        if os.environ.get("RELIABILITY_KEEP") != "1":
            shutil.rmtree(root, ignore_errors=True)
    bad = [a for a in results if a.failed() and not (a.not_run and allow_unprivileged)]
    print("reliability: %s" % ("ok" if not bad else "FAILED: " + ", ".join(a.name for a in bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
