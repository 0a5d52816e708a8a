#!/usr/bin/env bash
# Style is mechanical: clang-format (Google base, .clang-format) must leave
# every source unchanged, clang-tidy (.clang-tidy) must report nothing on the
# production sources, and every include must follow the module graph
# (scripts/check_layers.sh). Needs build/compile_commands.json.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t sources < <(git ls-files -- '*.cc' '*.h' 2>/dev/null || find src tests bench fuzz -name '*.cc' -o -name '*.h')
echo "lint: clang-format on ${#sources[@]} files"
clang-format --dry-run --Werror "${sources[@]}"

mapfile -t production < <(printf '%s\n' "${sources[@]}" | grep '^src/.*\.cc$' | grep -v '_test\.cc$')
echo "lint: clang-tidy on ${#production[@]} files"
if [[ ! -f build/compile_commands.json ]]; then
  echo "lint: build/compile_commands.json missing; run scripts/build.sh first" >&2
  exit 1
fi
printf '%s\n' "${production[@]}" |
  xargs -P"$(nproc)" -n1 clang-tidy -p build --quiet --extra-arg=-Wno-unknown-warning-option 2>/dev/null
bash scripts/check_layers.sh
echo "lint: ok"
