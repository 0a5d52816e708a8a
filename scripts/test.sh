#!/usr/bin/env bash
# The whole test suite, exactly what CI runs: install dependencies, build with
# warnings as errors, check formatting and lint, run every test (leaving
# the status pages' screenshots in build/artifacts/ for CI to keep), the
# reliability suite, then the demo for a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh -DSURETY_WERROR=ON
bash scripts/lint.sh
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 300)
# What CI keeps: the browser test's screenshots of the status pages.
mkdir -p build/artifacts
cp build/status-page.png build/job-page.png build/artifacts/
echo "test: screenshots of the status pages in build/artifacts/"
# The attacks from outside (tests/reliability/README.md): about a minute.
python3 tests/reliability/reliability.py --surety build/surety
# The README's other command, briefly: the demo must start, run its jobs,
# answer status and check, and stop cleanly (scripts/demo.sh fails otherwise).
DEMO_SECONDS=3 bash scripts/demo.sh
