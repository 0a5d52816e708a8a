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
for f in bin/surety lib/systemd/system/surety-daemon.service share/man/man1/surety.1.gz \
  share/surety/prometheus/surety.rules.yml share/doc/surety/README.md \
  share/doc/surety/daemon.md share/doc/surety/examples/demo.toml \
  share/bash-completion/completions/surety share/zsh/vendor-completions/_surety \
  share/fish/vendor_completions.d/surety.fish; do
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
# The man page (compressed, as Debian's policy wants) has every command of
# the command table, and groff reads it without a warning.
man=$(mktemp /tmp/surety-man-XXXXXX)
trap 'rm -rf "$prefix" "$man"' EXIT
zcat "$prefix/share/man/man1/surety.1.gz" >"$man"
for c in $("$prefix/bin/surety" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1}'); do
  if ! grep -qx ".SS $c" "$man"; then
    echo "check_install: surety.1 lacks the command $c" >&2
    fail=1
  fi
done
if command -v groff >/dev/null; then
  if ! out=$(groff -man -Tutf8 -ww -z "$man" 2>&1) || [[ -n $out ]]; then
    echo "check_install: groff complains about surety.1:" >&2
    echo "$out" >&2
    fail=1
  fi
fi
if command -v systemd-analyze >/dev/null; then
  if ! out=$(systemd-analyze verify "$unit" 2>&1); then
    echo "check_install: systemd-analyze verify refused the unit:" >&2
    echo "$out" >&2
    fail=1
  fi
fi
((fail == 0)) && echo "check_install: ok ($prefix)"
exit "$fail"
