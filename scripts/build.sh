#!/usr/bin/env bash
# Configures and builds surety into build/ (Release). Extra arguments are
# passed to the configure step, e.g. -DSURETY_WERROR=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
