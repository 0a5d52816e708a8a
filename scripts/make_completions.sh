#!/usr/bin/env bash
# Writes the shell completion scripts from the program's own command table
# (`surety completion SHELL`): OUTDIR/surety.bash, OUTDIR/_surety (zsh) and
# OUTDIR/surety.fish. Run at build time (CMake target `completions`), so
# the scripts never drift from the program; each is replaced whole, never
# left half written. Usage: make_completions.sh SURETY_BINARY OUTDIR
set -euo pipefail
bin=${1:?usage: make_completions.sh SURETY_BINARY OUTDIR}
out=${2:?usage: make_completions.sh SURETY_BINARY OUTDIR}
mkdir -p "$out"
for pair in bash:surety.bash zsh:_surety fish:surety.fish; do
  shell=${pair%%:*}
  file=$out/${pair#*:}
  tmp=$(mktemp "$file.XXXXXX")
  if ! "$bin" completion "$shell" >"$tmp"; then
    rm -f "$tmp"
    echo "make_completions: '$bin completion $shell' failed" >&2
    exit 1
  fi
  chmod 644 "$tmp"
  mv "$tmp" "$file"
done
