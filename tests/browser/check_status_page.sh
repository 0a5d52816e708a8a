#!/usr/bin/env bash
# The status page in a real browser: headless Chromium loads `surety serve`'s
# page over four jobs (failing, ok, warning, never ran) and the DOM it built
# must show every job with its health, the strip of runs, and no secret; a
# page behind a token refuses without it. Saves a screenshot next to the
# build (status-page.png), for CI to keep.
# Usage: check_status_page.sh SURETY_BINARY BUILD_DIR
set -euo pipefail
bin=${1:?usage: check_status_page.sh SURETY_BINARY BUILD_DIR}
build=${2:?usage: check_status_page.sh SURETY_BINARY BUILD_DIR}
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
  echo "check_status_page: chromium is not installed (scripts/setup.sh installs it)" >&2
  exit 1
fi
work=$(mktemp -d /tmp/surety-browser-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/surety.toml" <<TOML
[settings]
state_dir = "$work/state"
[alerts.hook]
kind = "webhook"
url = "https://hooks.example/SECRET-IN-URL"
[jobs.db]
description = "nightly <b>dump</b>"
command = ["sh", "-c", "exit 1"]
schedule = "*-*-* 02:30"
environment = { PGPASSWORD = "SECRET-IN-ENV" }
alert = ["hook"]
[jobs.etc]
command = ["true"]
schedule = "daily"
[jobs.mirror]
command = ["sh", "-c", "exit 24"]
warning_exit_status = [24]
schedule = "Mon..Sat *-*-* 04:00"
[jobs.never]
command = ["true"]
schedule = "weekly"
TOML
run() { "$bin" --config "$work/surety.toml" run "$1" >/dev/null 2>&1 || true; }
for _ in 1 2 3; do run etc; run mirror; done
run db
run db

# A free port: the server picks one (:0) and logs it.
serve() {  # serve LOG [ARGS...]
  local log=$1
  shift
  "$bin" --config "$work/surety.toml" serve 127.0.0.1:0 "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    port=$(sed -n 's/.*address=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    [[ -n $port ]] && return 0
    sleep 0.1
  done
  echo "check_status_page: surety serve did not start:" >&2
  cat "$log" >&2
  exit 1
}
chrome() { timeout 60 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
  --user-data-dir="$work/profile" "$@" 2>/dev/null; }

fail=0
expect() {  # expect WHAT TEXT FILE
  if ! grep -qF -- "$2" "$3"; then
    echo "check_status_page: $1: '$2' not in the page" >&2
    fail=1
  fi
}
serve "$work/serve.log"
chrome --dump-dom "http://127.0.0.1:$port/" >"$work/dom.html"
expect "the summary" "SURETY CRITICAL - 2 of 4 jobs at fault: db failing, mirror warning" "$work/dom.html"
expect "db's health" '<span class="health bad">failing</span>' "$work/dom.html"
expect "etc's health" '<span class="health good">ok</span>' "$work/dom.html"
expect "mirror's health" '<span class="health warn">warning</span>' "$work/dom.html"
expect "never's health" '<span class="health quiet">pending</span>' "$work/dom.html"
expect "db's escaped description" 'nightly &lt;b&gt;dump&lt;/b&gt;' "$work/dom.html"
[[ $(grep -o '<span class="good" title="success' "$work/dom.html" | wc -l) -eq 3 ]] ||
  { echo "check_status_page: etc's strip does not show its 3 runs" >&2; fail=1; }
if grep -q 'SECRET-IN' "$work/dom.html"; then
  echo "check_status_page: the page shows a secret" >&2
  fail=1
fi
# The stylesheet applied: a failing health is red in the rendered page.
chrome --screenshot="$build/status-page.png" --window-size=1200,420 "http://127.0.0.1:$port/" >/dev/null
[[ -s $build/status-page.png ]] || { echo "check_status_page: no screenshot" >&2; fail=1; }

# Behind a token: the browser, which has none, is refused.
printf '0123456789abcdef0123\n' >"$work/token"
chmod 600 "$work/token"
serve "$work/serve-token.log" --token-file "$work/token"
chrome --dump-dom "http://127.0.0.1:$port/" >"$work/refused.html"
expect "the refusal" "a token is needed" "$work/refused.html"
if grep -q 'health bad' "$work/refused.html"; then
  echo "check_status_page: the token-protected page showed the jobs without a token" >&2
  fail=1
fi
((fail == 0)) && echo "check_status_page: ok (screenshot $build/status-page.png)"
exit "$fail"
