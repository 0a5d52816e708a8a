#!/usr/bin/env bash
# Writes surety(1) from the program's own help: `surety --help`, then each
# command's `--help`, in the order the command table lists them. Run at
# build time (CMake target `man`), so the page never drifts from the
# program. Usage: make_man.sh SURETY_BINARY OUTPUT
set -euo pipefail
bin=${1:?usage: make_man.sh SURETY_BINARY OUTPUT}
out=${2:?usage: make_man.sh SURETY_BINARY OUTPUT}

# Help text as roff: backslashes doubled, a leading . or ' escaped, every
# other character than ASCII as its \[uXXXX] escape (groff without preconv
# reads bytes), every line kept as it is (.nf), so the tables and examples
# keep their layout.
roff() {
  sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/" |
    perl -CSD -pe 's/([^\x00-\x7f])/sprintf("\\[u%04X]", ord($1))/ge'
}

version=$("$bin" --version | awk '{print $2}')
commands=$("$bin" --help | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}')
[[ -n $commands ]] || { echo "make_man: no commands in '$bin --help'" >&2; exit 1; }

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
{
  echo ".TH SURETY 1 \"\" \"surety $version\" \"User Commands\""
  echo ".SH NAME"
  echo "surety \\- run scheduled jobs, above all backups, so that you can be sure of them"
  echo ".SH SYNOPSIS"
  echo ".B surety"
  echo "[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]"
  echo ".SH DESCRIPTION"
  echo ".nf"
  "$bin" --help | roff
  echo ".fi"
  echo ".SH COMMANDS"
  for c in $commands; do
    echo ".SS $c"
    echo ".nf"
    "$bin" "$c" --help | roff
    echo ".fi"
  done
  echo ".SH FILES"
  echo ".TP"
  echo ".I /etc/surety/surety.toml"
  echo "the job file, as root (else ~/.config/surety/surety.toml)"
  echo ".TP"
  echo ".I /var/lib/surety"
  echo "the state directory: run history, locks, outbox, delivery log"
  echo ".SH SEE ALSO"
  echo ".BR systemd.time (7),"
  echo ".BR systemd-analyze (1),"
  echo "the documentation in /usr/share/doc/surety (or PREFIX/share/doc/surety)"
} >"$tmp"
chmod 644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
