#!/usr/bin/env bash
# The module graph is a rule: a file of module M may include only headers of
# M and of the modules M links against (its DEPS in src/M/CMakeLists.txt,
# transitively). Every module's include path holds all of src/, so without
# this check an upward include of a header-only type would compile.
# Prints every offending #include with file:line; exit 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A deps
modules=()
for cm in src/*/CMakeLists.txt; do
  m=$(basename "$(dirname "$cm")")
  modules+=("$m")
  deps[$m]=$(grep -o 'surety_[a-z]*' "$cm" | sed 's/^surety_//' | { grep -vx "module\|$m" || true; } |
    sort -u | tr '\n' ' ')
done

# allowed M: M and the transitive closure of its DEPS.
allowed() {
  local -A seen=()
  local todo=("$1")
  while ((${#todo[@]})); do
    local x=${todo[-1]}
    unset 'todo[-1]'
    [[ -n ${seen[$x]:-} ]] && continue
    seen[$x]=1
    for d in ${deps[$x]:-}; do todo+=("$d"); done
  done
  echo "${!seen[@]}"
}

status=0
for m in "${modules[@]}"; do
  ok=" $(allowed "$m") "
  while IFS=: read -r file line inc; do
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$inc")
    [[ -d src/$target ]] || continue  # not a module header
    if [[ $ok != *" $target "* ]]; then
      echo "$file:$line: module '$m' includes '$target', which it does not depend on: $inc" >&2
      status=1
    fi
  done < <(grep -n '^#include "[a-z_]*/' src/"$m"/*.cc src/"$m"/*.h 2>/dev/null || true)
done
if ((status == 0)); then echo "layers: every include follows the module graph"; fi
exit $status
