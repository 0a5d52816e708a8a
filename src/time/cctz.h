// cctz, as abseil ships it.
//
// Debian packages cctz twice: libcctz-dev (a shared library only) and inside
// libabsl-dev (a static archive, libabsl_time_zone.a, same code and authors).
// surety links the static one so that the binary needs no libstdc++.so at
// run time: every `surety run` starts a process, and loading and relocating
// shared C++ libraries was the largest part of its start-up (docs/libraries.md).
// abseil keeps cctz in its time_internal namespace; this alias is the one
// place that knows.
#pragma once

#include <absl/time/internal/cctz/include/cctz/civil_time.h>
#include <absl/time/internal/cctz/include/cctz/time_zone.h>

namespace cctz = absl::time_internal::cctz;
