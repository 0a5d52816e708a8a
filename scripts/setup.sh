#!/usr/bin/env bash
# Installs everything surety needs to build, test, benchmark and fuzz on
# Debian 12, from Debian's own packages. Idempotent: packages already present
# are not reinstalled, and the package lists are refreshed only when
# something is missing. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libabsl-dev tzdata                 # time zones: cctz, as abseil ships it (static)
  libcli11-dev                       # command line
  nlohmann-json3-dev libfmt-dev      # JSON output, formatting
  libtomlplusplus-dev                # the job file
  libsqlite3-dev                     # run history
  libcurl4-openssl-dev               # webhook alerts (loaded at run time)
  libsystemd-dev                     # journal alerts (sd-journal; loaded at run time)
  libmicrohttpd-dev                  # surety serve / daemon --listen (loaded at run time)
  libgtest-dev libgmock-dev libbenchmark-dev   # tests and benchmarks
  clang clang-format clang-tidy libclang-rt-14-dev   # lint and libFuzzer
  hyperfine jq python3               # whole-process benchmarks (bench/*.sh)
  python3-yaml                       # tests/export/check_kubernetes.py reads the manifests
  chromium chromium-driver python3-selenium   # tests/browser: the status page in a real browser
  zsh fish                           # the completion scripts, completed for real (tests/install)
  systemd                            # systemd-analyze: the oracle for the time engine
  prometheus                         # promtool: checks and unit-tests packaging/prometheus/*.yml
  restic borgbackup                  # tests/recipes_e2e_test.cc backs up with the real tools
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
# Debian's prometheus package (wanted only for promtool) would start a
# Prometheus server on :9090 from its maintainer script, through systemd or,
# where no systemd runs (a container, CI), its init script. A policy-rc.d
# that says 101 ("action forbidden") stops invoke-rc.d and deb-systemd-invoke
# from starting anything this install brings; one already present is kept.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  trap '$SUDO rm -f "$policy"' EXIT
  printf '#!/bin/sh\n# scripts/setup.sh: start no service while installing\nexit 101\n' |
    $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Nor at the next boot, on a host that runs systemd (a developer's machine).
if [[ " ${missing[*]} " == *" prometheus "* && -d /run/systemd/system ]]; then
  $SUDO systemctl disable --quiet prometheus.service || true
fi
