// Random delays and wake-up coalescing, as systemd computes them.
//
// For: the scheduler. FixedRandomDelay() gives the same per-machine,
// per-job offset systemd would give the timer `surety-JOB.timer` (SipHash-2-4
// over the machine id, the manager kind, the uid and the timer's name), so a
// job keeps its slot when it moves between `surety daemon` and exported
// systemd timers. CoalescedWakeup() is sd-event's choice of one wake-up inside
// [earliest deadline, earliest window end] (AccuracySec=).
//
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "base/instant.h"
#include "job/job_spec.h"

namespace surety {

uint64_t SipHash24(const std::array<uint8_t, 16>& key, const uint8_t* data, size_t len);

// Parses a 32-hex-digit machine or boot id ("0123…cdef", dashes allowed).
std::optional<std::array<uint8_t, 16>> ParseId128(const std::string& text);

// systemd's FixedRandomDelay= offset: R mod span, R = SipHash-2-4(fixed key,
// machine_id ‖ (system ? 1 : 0) ‖ uid (4 bytes, little-endian) ‖ unit_name).
uint64_t FixedRandomDelay(const std::array<uint8_t, 16>& machine_id, bool system_manager,
                          uint32_t uid, const std::string& unit_name, uint64_t span_usec);

// A job's fixed_random_delay offset as systemd gives the timer unit that
// `surety export` would write for it (surety-NAME.timer) in the manager
// surety runs under: the system manager when `as_root`, else user `uid`'s;
// 0 when the job has none.
uint64_t JobFixedRandomDelay(const std::array<uint8_t, 16>& machine_id, bool as_root, uint32_t uid,
                             const JobSpec& job);

// The per-boot phase sd-event uses to place coalesced wake-ups:
// (low64(boot_id) XOR high64(boot_id)) mod 60 s, in µs.
uint64_t BootPhase(const std::array<uint8_t, 16>& boot_id);

// One wake-up time in [a, b] (µs on the same clock), preferring, in order,
// a point on the minute, 10 s, 1 s and 250 ms grids shifted by `phase`.
int64_t CoalescedWakeup(int64_t a, int64_t b, uint64_t phase);

// How far past its due time a job's start may move to share a wake-up: its
// accuracy (AccuracySec=; 1 min unless set), 250 ms for 0 as in systemd.
Micros AccuracyWindow(const JobSpec& job);

// When the daemon starts a run of `job` due at `due` if no other job shares
// the wake-up: CoalescedWakeup() over [due, due + AccuracyWindow(job)].
// (A wake-up shared with a job of a tighter window can only be earlier,
// never before `due`.)
Instant CoalescedStart(const JobSpec& job, Instant due, uint64_t phase);

}  // namespace surety
