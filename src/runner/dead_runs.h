// Dead runs: records whose runner died (kill -9, power loss) and that no
// alert has told anyone about yet.
//
// For: the runner's alert stage. A runner that dies cannot alert; the reaper
// (store/history_store.h ReapDead) marks its record interrupted, and the next
// run of the job that did its work tells about it (docs/runner.md §10).
//
// Thread-safety: reads `history` only; one caller per HistoryStore.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/history_store.h"
#include "store/run_record.h"

namespace surety {

// Whether `record` is one the reaper marked interrupted (its runner died).
// Older versions of surety worded the message differently.
bool ReapedByTheReaper(const RunRecord& record);

// The runs of `job` other than run `self` that the reaper marked
// interrupted and nobody has told about, oldest first: those newer than the
// newest run that did its work (it held the job's lock, and told about the
// dead runs before it at its end). Skipped runs, runs still going, runs
// whose preflight failed and runs stopped early did not; they are passed
// over, however many there are (a job every minute, skipped for an hour by
// what a killed runner left running). Empty when the history cannot be read.
std::vector<RunRecord> DeadRunsToTell(HistoryStore& history, const std::string& job, int64_t self);

}  // namespace surety
