#!/usr/bin/python3
"""Makes the documentation's screenshots of the status pages.

A job file of five jobs and a month of nightly history: a database dump
whose dumps grow, with one warning, one that shrank past max_shrink, one
failure; a restic backup; a failing mirror; a weekly check; a job that
never ran. The history is made by surety (one real run creates history.db
with its schema), then filled with python3's sqlite3 module, as the runner
records runs. `surety serve` serves it; headless Chromium (Selenium) takes
docs/status-page.png and docs/job-page.png.

Usage: scripts/screenshots.py [SURETY_BINARY] [OUTPUT_DIR]
       (default build/surety and docs/)
Needs: chromium, chromium-driver, python3-selenium (scripts/setup.sh).
"""
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

DAY = 86400 * 1000000


def main():
    surety = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/surety")
    out = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "docs")
    work = tempfile.mkdtemp(prefix="surety-shots-")
    server = driver = None
    try:
        config = os.path.join(work, "surety.toml")
        with open(config, "w") as f:
            f.write(f"""[settings]
state_dir = "{work}/state"
[jobs.pg-dump]
description = "the app's database, dumped nightly"
command = ["pg_dump", "-Fc", "-f", "/srv/backup/app-%Y-%m-%d.dump", "app"]
schedule = "*-*-* 02:30"
[jobs.pg-dump.verify]
path = "/srv/backup/app-%Y-%m-%d.dump"
max_shrink = 0.3
[jobs.restic]
description = "/home and /etc to the backup server"
command = ["restic", "backup", "/home", "/etc"]
schedule = "*-*-* 03:15"
warning_exit_status = [3]
[jobs.mirror]
description = "rsync to the second site"
command = ["rsync", "-a", "/srv/backup/", "site2:/srv/backup/"]
schedule = "*-*-* 05:00"
[jobs.check]
description = "restic check --read-data-subset=5%"
command = ["restic", "check", "--read-data-subset=5%"]
schedule = "Sun 06:00"
[jobs.scrub]
command = ["true"]
schedule = "monthly"
""")
        subprocess.run([surety, "--config", config, "run", "scrub"], capture_output=True)
        subprocess.run([surety, "--config", config, "history"], capture_output=True)
        fill(os.path.join(work, "state", "history.db"))

        log = os.path.join(work, "serve.log")
        with open(log, "w") as f:
            server = subprocess.Popen([surety, "--config", config, "serve", "127.0.0.1:0"],
                                      stdout=f, stderr=subprocess.STDOUT)
        port = None
        for _ in range(100):
            m = re.search(r"address=127\.0\.0\.1:(\d+)", open(log).read())
            if m:
                port = m.group(1)
                break
            time.sleep(0.1)
        if port is None:
            sys.exit("screenshots: surety serve did not start:\n" + open(log).read())
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--hide-scrollbars", f"--user-data-dir={work}/profile"):
            options.add_argument(arg)
        driver = webdriver.Chrome(
            service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
            options=options)
        for path, name, height in (("/", "status-page.png", 720),
                                   ("/jobs/pg-dump", "job-page.png", 1180)):
            driver.set_window_size(1200, height)
            driver.get(f"http://127.0.0.1:{port}{path}")
            driver.find_element(By.TAG_NAME, "footer")
            time.sleep(0.5)  # /surety.js shows the times in the viewer's zone
            driver.save_screenshot(os.path.join(out, name))
            print(f"screenshots: {out}/{name}")
    finally:
        if driver is not None:
            driver.quit()
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def fill(path):
    db = sqlite3.connect(path)
    db.execute("DELETE FROM runs")
    rng = random.Random(7)
    now = int(time.time() * 1000000)
    today = now - now % DAY
    seq = {}

    def add(job, start, ms, result, code, message, size=None, artifact="", tail=""):
        seq[job] = seq.get(job, 0) + 1
        db.execute(
            "INSERT INTO runs (job, trigger_kind, host, started_at, finished_at, duration_ms,"
            " attempts, exit_code, signal, result, message, output_tail, artifact_size,"
            " artifact_path, alert_status, owner_pid, owner_boot_id, owner_start_time, seq)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (job, "schedule", "db1", start, start + ms * 1000, ms, 1, code, None, result, message,
             tail.encode(), size, artifact, "", 0, "", 0, seq[job]))

    size = 1_900_000_000
    for d in range(30, 0, -1):
        start = today - d * DAY + int(2.5 * 3600e6) + rng.randrange(0, 30_000_000)
        day = time.strftime("%Y-%m-%d", time.gmtime(start / 1e6))
        path_ = f"/srv/backup/app-{day}.dump"
        size += rng.randrange(2_000_000, 12_000_000)
        ms = int(240_000 + (size - 1.9e9) / 1e6 * 400 + rng.randrange(0, 30_000))
        if d == 19:
            add("pg-dump", start, ms + 60_000, "warning", 1, "exited with status 1 (a warning); "
                "artifact verified", size, path_, "pg_dump: warning: there are circular "
                "foreign-key constraints on this table\n")
        elif d == 11:
            add("pg-dump", start, 95_000, "verify_failed", 0,
                "the artifact shrank 62% from 2.0G (max_shrink 30%)", int(size * 0.38), path_)
        elif d == 6:
            add("pg-dump", start, 3_000, "failed", 1, "exited with status 1", None, "",
                "pg_dump: error: connection to server on socket \"/run/postgresql/.s.PGSQL.5432\""
                " failed: No such file or directory\n")
        else:
            add("pg-dump", start, ms, "success", 0, "exited with status 0; artifact verified",
                size, path_)
        rstart = today - d * DAY + int(3.25 * 3600e6)
        add("restic", rstart, 600_000 + rng.randrange(0, 120_000),
            "warning" if d in (9, 3) else "success", 3 if d in (9, 3) else 0, "exited with status 0")
        mstart = today - d * DAY + 5 * 3600_000_000
        bad = d <= 3
        add("mirror", mstart, 30_000 if bad else 1_200_000 + rng.randrange(0, 300_000),
            "failed" if bad else "success", 255 if bad else 0,
            "exited with status 255: ssh: connect to host site2 port 22: No route to host"
            if bad else "exited with status 0")
        if d % 7 == 2:
            add("check", today - d * DAY + 6 * 3600_000_000, 1_800_000, "success", 0,
                "exited with status 0")
    db.commit()
    db.close()


if __name__ == "__main__":
    main()
