#!/usr/bin/python3
"""The status pages in a real browser: headless Chromium, driven by Selenium.

`surety serve` serves five jobs with a history made by real `surety run`s:
one failing (with an alert that cannot be delivered), one healthy, one whose
artifact shrank past max_shrink after a warning, one in the warning tier,
one never run. The browser, in the Asia/Tokyo zone, must show:

  - the overview: every job with its health word and colour, the failing
    job flagged, times in the viewer's zone (UTC on hover), no secret;
  - the job page: its runs, the duration and artifact-size charts with the
    warning, the failure and the shrink marked, the alerts sent and their
    outcome, the definition with secrets redacted;
  - both pages updating by themselves when a run finishes (no reload);
  - a page behind --token-file refusing the browser, which has no token.

Screenshots of both pages are left in BUILD_DIR (status-page.png,
job-page.png) for CI to keep.

Usage: check_status_page.py SURETY_BINARY BUILD_DIR
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:
    sys.exit("check_status_page: python3-selenium is not installed (scripts/setup.sh installs it)")

SECRETS = ("SECRET-IN-ENV", "SECRET-IN-URL")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("check_status_page: FAILED: " + what, file=sys.stderr)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    surety, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    browser = shutil.which("chromium") or "/usr/bin/chromium"
    for path, package in ((driver_path, "chromium-driver"), (browser, "chromium")):
        if not os.path.exists(path):
            sys.exit(f"check_status_page: {path} is missing (scripts/setup.sh installs {package})")
    work = tempfile.mkdtemp(prefix="surety-browser-")
    servers, driver = [], None
    try:
        config = write_job_file(work)

        def run(job, size=None, code=None):
            if size is not None:
                write(work, "size", str(size))
            if code is not None:
                write(work, "code", str(code))
            subprocess.run([surety, "--config", config, "run", job],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

        for _ in range(3):
            run("etc")
            run("mirror")
        run("db")
        run("db")
        # backup: growing sizes, a warning, a shrink past max_shrink (0.5),
        # a failure without an artifact, then a good run again.
        for size, code in ((20000, 0), (21000, 0), (22000, 24), (5000, 0), (22500, 3),
                           (23000, 0)):
            run("backup", size, code)

        port = serve(surety, config, work, servers, "serve.log")
        base = f"http://127.0.0.1:{port}"
        # The browser's own zone is not the server's (UTC): times must be
        # shown in the viewer's.
        os.environ["TZ"] = "Asia/Tokyo"
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--window-size=1280,900", f"--user-data-dir={work}/profile"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        driver.set_page_load_timeout(30)

        overview(driver, base, build)
        job_page(driver, base, build)
        updates(driver, base, run)
        token(surety, config, work, servers, driver)
    finally:
        if driver is not None:
            driver.quit()
        for p in servers:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"check_status_page: {len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print(f"check_status_page: ok (screenshots {build}/status-page.png, {build}/job-page.png)")
    return 0


def write(work, name, text):
    with open(os.path.join(work, name), "w") as f:
        f.write(text)


def write_job_file(work):
    write(work, "size", "0")
    write(work, "code", "0")
    config = os.path.join(work, "surety.toml")
    write(work, "surety.toml", f"""[settings]
state_dir = "{work}/state"
[alerts.hook]
kind = "webhook"
url = "http://127.0.0.1:9/SECRET-IN-URL"
[jobs.db]
description = "nightly <b>dump</b>"
command = ["sh", "-c", "echo 'pg_dump: connection refused' >&2; exit 1"]
schedule = "*-*-* 02:30"
environment = {{ PGPASSWORD = "SECRET-IN-ENV" }}
alert = ["hook"]
[jobs.etc]
command = ["true"]
schedule = "daily"
[jobs.mirror]
command = ["sh", "-c", "exit 24"]
warning_exit_status = [24]
schedule = "Mon..Sat *-*-* 04:00"
[jobs.backup]
description = "the archive"
command = ["sh", "-c", "head -c $(cat {work}/size) /dev/zero > {work}/backup.tar; exit $(cat {work}/code)"]
warning_exit_status = [24]
schedule = "*-*-* 03:00"
[jobs.backup.verify]
path = "{work}/backup.tar"
max_shrink = 0.5
[jobs.never]
command = ["true"]
schedule = "weekly"
""")
    return config


def serve(surety, config, work, servers, log_name, *args):
    log = os.path.join(work, log_name)
    with open(log, "w") as out:
        p = subprocess.Popen([surety, "--config", config, "serve", "127.0.0.1:0", *args],
                             stdout=out, stderr=subprocess.STDOUT)
    servers.append(p)
    for _ in range(100):
        with open(log) as f:
            m = re.search(r"address=127\.0\.0\.1:(\d+)", f.read())
        if m:
            return int(m.group(1))
        time.sleep(0.1)
    with open(log) as f:
        sys.exit("check_status_page: surety serve did not start:\n" + f.read())


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def no_secret(driver, where):
    html = driver.page_source
    for secret in SECRETS:
        check(secret not in html, f"{where} shows the secret {secret}")


def overview(driver, base, build):
    driver.get(base + "/")
    summary = driver.find_element(By.CSS_SELECTOR, "p.summary").text
    check("SURETY CRITICAL" in summary and "db failing" in summary,
          f"the summary flags db: {summary!r}")
    expected = {"db": ("failing", "bad"), "etc": ("ok", "good"), "mirror": ("warning", "warn"),
                "backup": ("ok", "good"), "never": ("pending", "quiet")}
    for job, (word, colour) in expected.items():
        badge = driver.find_element(By.CSS_SELECTOR, f"#job-{job} .health")
        check(badge.text == word, f"{job}'s health is {badge.text!r}, not {word!r}")
        check(colour in badge.get_attribute("class").split(),
              f"{job}'s health has the colour {badge.get_attribute('class')!r}")
    # Readable without colour, and flagged with it: failing is on red.
    bg = driver.find_element(By.CSS_SELECTOR, "#job-db .health").value_of_css_property(
        "background-color")
    check(bg in ("rgba(255, 217, 217, 1)", "rgb(255, 217, 217)"), f"failing's colour is {bg}")
    desc = driver.find_element(By.CSS_SELECTOR, "#job-db .desc").text
    check(desc == "nightly <b>dump</b>", f"the description is escaped: {desc!r}")
    strip = driver.find_elements(By.CSS_SELECTOR, "#job-etc .strip span.good")
    check(len(strip) == 3, f"etc's strip shows {len(strip)} runs, not 3")
    # Times in the viewer's zone (Asia/Tokyo: GMT+9), UTC on hover.
    check(wait_for(lambda: driver.execute_script(
        "return document.documentElement.dataset.localTimes") == "1", 5),
        "/surety.js did not run")
    footer_time = driver.find_element(By.CSS_SELECTOR, "footer time.abs")
    check("GMT+9" in footer_time.text, f"the footer's time is not in the viewer's zone: "
          f"{footer_time.text!r}")
    check(footer_time.get_attribute("title").endswith(" UTC"),
          f"the footer's time has no UTC on hover: {footer_time.get_attribute('title')!r}")
    errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    check(not errors, f"the browser logged errors (a CSP refusal?): {errors}")
    no_secret(driver, "the overview")
    driver.save_screenshot(os.path.join(build, "status-page.png"))


def job_page(driver, base, build):
    driver.find_element(By.LINK_TEXT, "backup").click()
    check(driver.current_url == base + "/jobs/backup", f"the link went to {driver.current_url}")
    rows = driver.find_elements(By.CSS_SELECTOR, "#runs tbody tr")
    check(len(rows) == 6, f"the job page lists {len(rows)} runs, not 6")
    results = [r.find_element(By.CSS_SELECTOR, "td.result").text for r in rows]
    check(results == ["success", "failed", "verify_failed", "warning", "success", "success"],
          f"the runs, newest first: {results}")
    check("shrank" in rows[2].text, f"the shrink's message: {rows[2].text!r}")
    for chart in ("duration-chart", "size-chart"):
        svg = driver.find_element(By.ID, chart)
        check(svg.is_displayed() and svg.size["width"] > 300,
              f"{chart} is not drawn ({svg.size})")
    sizes = driver.find_element(By.ID, "size-chart")
    check(len(sizes.find_elements(By.CSS_SELECTOR, "circle.pt.shrink")) == 1,
          "the size chart does not ring the shrink")
    check(len(sizes.find_elements(By.CSS_SELECTOR, "circle.pt.warn")) == 1,
          "the size chart does not mark the warning")
    check(len(sizes.find_elements(By.CSS_SELECTOR, "rect.pt.bad")) == 1,
          "the size chart does not mark the failure without an artifact")
    durations = driver.find_element(By.ID, "duration-chart")
    check(len(durations.find_elements(By.CSS_SELECTOR, "circle.pt")) == 6,
          "the duration chart does not show every run")
    definition = driver.find_element(By.ID, "definition").text
    check("max_shrink = 0.5" in definition, f"the definition: {definition!r}")
    driver.save_screenshot(os.path.join(build, "job-page.png"))

    # The failing job: flagged, its alerts and their outcome, no secret.
    driver.get(base + "/jobs/db")
    check(driver.find_element(By.CSS_SELECTOR, "h1 .health").text == "failing",
          "db's page does not flag it failing")
    outcomes = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#deliveries td.result")]
    check(len(outcomes) >= 1 and all(o.startswith("not delivered") for o in outcomes),
          f"db's alerts and their outcome: {outcomes}")
    definition = driver.find_element(By.ID, "definition").text
    check('PGPASSWORD = "(redacted)"' in definition, f"db's definition: {definition!r}")
    tail = driver.find_element(By.CSS_SELECTOR, "#runs details pre")
    check("connection refused" in tail.get_attribute("textContent"),
          "db's output tail is not on its page")
    no_secret(driver, "db's page")


def updates(driver, base, run):
    """Both pages change by themselves when a run finishes."""
    driver.get(base + "/")
    before = len(driver.find_elements(By.CSS_SELECTOR, "#job-etc .strip span"))
    run("etc")
    check(wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#job-etc .strip span"))
                   == before + 1, 20),
          "the overview did not show the new run of etc by itself")
    check(driver.execute_script("return document.documentElement.dataset.refreshes") is not None,
          "the overview was reloaded, not refreshed by /surety.js")
    driver.get(base + "/jobs/never")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#runs tbody tr")) == 0,
          "never has runs before it ran")
    run("never")
    check(wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#runs tbody tr")) == 1, 20),
          "the job page did not show the new run by itself")


def token(surety, config, work, servers, driver):
    token_file = os.path.join(work, "token")
    write(work, "token", "0123456789abcdef0123\n")
    os.chmod(token_file, 0o600)
    port = serve(surety, config, work, servers, "serve-token.log", "--token-file", token_file)
    for path in ("/", "/jobs/db", "/state"):
        driver.get(f"http://127.0.0.1:{port}{path}")
        body = driver.find_element(By.TAG_NAME, "body").text
        check("a token is needed" in body, f"{path} without the token: {body[:200]!r}")
        check(not driver.find_elements(By.CSS_SELECTOR, ".health"),
              f"{path} showed the jobs without a token")


if __name__ == "__main__":
    sys.exit(main())
