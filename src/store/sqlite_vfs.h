// The SQLite VFS surety opens its history with: the default unix VFS, except
// for when it fsyncs directories.
//
// For: making a finished run durable with one flush of the disk, not two.
// SQLite's unix VFS marks every write-ahead log it opens with O_CREAT for a
// directory sync, so the first commit of every connection fsyncs the state
// directory as well as the log, though the log has existed since the first
// run. This VFS opens an existing log (or database) without O_CREAT, which
// SQLite then does not sync the directory for, and syncs the directory itself,
// once, when it does create one. Either way the file's directory entry is on
// disk before anything is committed into it.
//
// Thread-safety: SuretyVfsName() registers the VFS on first use (once).
#pragma once

#include <cstdint>

namespace surety {

// The name to pass to sqlite3_open_v2(); registers the VFS on first use.
const char* SuretyVfsName();

// How many directories this VFS has fsynced in this process (for tests).
int64_t SuretyVfsDirectorySyncs();

}  // namespace surety
