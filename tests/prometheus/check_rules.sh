#!/usr/bin/env bash
# Checks surety's Prometheus alerting rules (packaging/prometheus/) with
# promtool: the rule file must load (`promtool check rules`) and its unit
# tests must pass (`promtool test rules`). Exits non-zero on any failure.
# promtool comes from Debian's `prometheus` package (scripts/setup.sh
# installs it). Registered with CTest as PrometheusRules.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../../packaging/prometheus" && pwd)"

if ! command -v promtool >/dev/null 2>&1; then
  echo "check_rules: promtool not found; it is in Debian's 'prometheus' package" \
    "(bash scripts/setup.sh, or apt-get install --no-install-recommends prometheus)" >&2
  exit 1
fi

echo "check_rules: $(promtool --version 2>&1 | head -n 1)"
promtool check rules "$dir/surety.rules.yml"
# promtool reads the test's rule_files relative to the test file.
promtool test rules "$dir/surety.rules.test.yml"
echo "check_rules: rules valid, unit tests passed"
