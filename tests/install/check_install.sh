#!/usr/bin/env bash
# `cmake --install` into a scratch prefix, as a packager or `make install`
# would: every file lands where it belongs, the daemon's unit names the
# installed binary, and systemd-analyze verify accepts the unit.
# Usage: check_install.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: check_install.sh BUILD_DIR}
prefix=$(mktemp -d /tmp/surety-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null

fail=0
for f in bin/surety lib/systemd/system/surety-daemon.service \
  share/surety/prometheus/surety.rules.yml share/doc/surety/README.md \
  share/doc/surety/daemon.md share/doc/surety/examples/demo.toml; do
  if [[ ! -e $prefix/$f ]]; then
    echo "check_install: $f was not installed" >&2
    fail=1
  fi
done
unit=$prefix/lib/systemd/system/surety-daemon.service
want="ExecStart=$prefix/bin/surety --config /etc/surety/surety.toml daemon --leave-runs"
if ! grep -qxF "$want" "$unit"; then
  echo "check_install: the unit does not start the installed binary:" >&2
  grep '^ExecStart=' "$unit" >&2 || true
  fail=1
fi
if grep -q '@SURETY' "$unit"; then
  echo "check_install: the unit has unreplaced placeholders" >&2
  fail=1
fi
"$prefix/bin/surety" --version >/dev/null || fail=1
if command -v systemd-analyze >/dev/null; then
  if ! out=$(systemd-analyze verify "$unit" 2>&1); then
    echo "check_install: systemd-analyze verify refused the unit:" >&2
    echo "$out" >&2
    fail=1
  fi
fi
((fail == 0)) && echo "check_install: ok ($prefix)"
exit "$fail"
