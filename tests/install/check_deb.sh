#!/usr/bin/env bash
# `cpack -G DEB` into a scratch directory, and the package it makes: named
# surety, with the project's version (which `surety --version` says too),
# depending on libc6 alone and recommending the libraries surety loads with
# dlopen() (docs/libraries.md), section admin, every file under /usr and
# owned by root: the binary, the man page, the daemon's unit (starting
# /usr/bin/surety), the completions (the binary's own), the Prometheus
# rules, the docs. Where lintian is installed (scripts/setup.sh does not
# install it: it is large), it must find nothing but what docs/install.md
# says is left to do.
# Usage: check_deb.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: check_deb.sh BUILD_DIR}
out=$(mktemp -d /tmp/surety-deb-XXXXXX)
trap 'rm -rf "$out"' EXIT
if ! (cd "$build" && cpack -G DEB -B "$out/cpack" >"$out/cpack.log" 2>&1); then
  echo "check_deb: cpack failed:" >&2
  cat "$out/cpack.log" >&2
  exit 1
fi
debs=("$out"/cpack/*.deb)
if ((${#debs[@]} != 1)) || [[ ! -f ${debs[0]} ]]; then
  echo "check_deb: cpack made no single .deb: ${debs[*]}" >&2
  exit 1
fi
deb=${debs[0]}

fail=0
problem() {
  echo "check_deb: $*" >&2
  fail=1
}
field() { dpkg-deb --field "$deb" "$1"; }

version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[[ -n $version ]] || problem "no CPACK_PACKAGE_VERSION in $build/CPackConfig.cmake"
[[ $(field Package) == surety ]] || problem "Package: is '$(field Package)', not surety"
[[ $(field Version) == "$version-1" ]] || problem "Version: is '$(field Version)', not $version-1"
[[ $("$build/surety" --version) == "surety $version" ]] ||
  problem "surety --version says '$("$build/surety" --version)', the project $version"
[[ $(field Architecture) == "$(dpkg --print-architecture)" ]] ||
  problem "Architecture: is '$(field Architecture)'"
[[ $(field Section) == admin ]] || problem "Section: is '$(field Section)', not admin"
[[ -n $(field Maintainer) ]] || problem "no Maintainer:"
[[ $(field Description) == *"scheduled jobs"* ]] || problem "Description: is '$(field Description)'"
# libc6 and nothing else: libstdc++, cctz and SQLite are linked in.
depends=$(field Depends)
[[ $depends =~ ^libc6(\ \(\>=\ [0-9.]+\))?$ ]] || problem "Depends: is '$depends', not libc6 alone"
recommends=$(field Recommends)
for lib in libcurl4 libsystemd0 libmicrohttpd12; do
  [[ ", $recommends," == *", $lib,"* ]] || problem "Recommends: '$recommends' lacks $lib"
done

# Every file where it belongs, owned by root, nothing outside /usr.
contents=$(dpkg-deb --contents "$deb")
declare -A mode=()
while read -r perms owner _ _ _ path _; do
  [[ $owner == root/root ]] || problem "$path is owned by $owner"
  [[ $path == ./usr/* || $path == ./ ]] || problem "$path is outside /usr"
  mode[$path]=$perms
done <<<"$contents"
for f in bin/surety share/man/man1/surety.1.gz lib/systemd/system/surety-daemon.service \
  share/bash-completion/completions/surety share/zsh/vendor-completions/_surety \
  share/fish/vendor_completions.d/surety.fish share/surety/prometheus/surety.rules.yml \
  share/doc/surety/README.md share/doc/surety/examples/demo.toml; do
  [[ -n ${mode[./usr/$f]:-} ]] || problem "/usr/$f is not in the package"
done
[[ ${mode[./usr/bin/surety]:-} == -rwxr-xr-x ]] ||
  problem "/usr/bin/surety has mode ${mode[./usr/bin/surety]:-none}"

# What the files say: the unit starts the packaged binary, which runs and
# made the packaged completions.
root=$out/root
dpkg-deb --extract "$deb" "$root"
want="ExecStart=/usr/bin/surety --config /etc/surety/surety.toml daemon --leave-runs"
grep -qxF "$want" "$root/usr/lib/systemd/system/surety-daemon.service" ||
  problem "the unit does not start /usr/bin/surety: $(grep '^ExecStart=' \
    "$root/usr/lib/systemd/system/surety-daemon.service")"
bin=$root/usr/bin/surety
[[ $("$bin" --version) == "surety $version" ]] || problem "the packaged binary does not run"
for pair in bash:bash-completion/completions/surety zsh:zsh/vendor-completions/_surety \
  fish:fish/vendor_completions.d/surety.fish; do
  cmp -s <("$bin" completion "${pair%%:*}") "$root/usr/share/${pair#*:}" ||
    problem "/usr/share/${pair#*:} is not what 'surety completion ${pair%%:*}' prints"
done

# lintian, where installed: no error and no warning but the two that wait
# for a decision of the project's (docs/install.md): no copyright file (the
# project states no licence yet) and no changelog.Debian.gz.
if command -v lintian >/dev/null; then
  if ! findings=$(lintian --tag-display-limit 0 --fail-on error,warning \
    --suppress-tags no-copyright-file,no-changelog "$deb" 2>&1); then
    problem "lintian finds: $(grep -v 'root privileges' <<<"$findings")"
  fi
else
  echo "check_deb: lintian not installed: not run"
fi

((fail == 0)) && echo "check_deb: ok ($(basename "$deb"): $(field Version), Depends: $depends)"
exit "$fail"
