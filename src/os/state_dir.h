// PinStateDir: the state directory as surety will use it — checked as the
// directory it opened, not as a path it looked at.
//
// For: every command that reads or writes the run history, the locks, the
// outbox (`run`, `history`, the daemon). The job file names the state
// directory by a path that may hold a symlink; between a check of that path
// and its use, whoever can write the directory holding the symlink could
// point it elsewhere (a sticky /tmp: "state" → a directory of theirs) and
// make root write history and create lock files where they chose.
// PinStateDir opens the directory once (O_DIRECTORY; created 0700 when
// asked), checks the open directory (fstat: a directory; as root, root's and
// writable by root alone), takes its real path from the open descriptor
// (symlinks resolved by the kernel, not re-looked-up), and checks every
// directory above that real path (as root: root's and writable by root
// alone, or sticky — where others cannot rename or remove root's entries).
// Everything after uses the returned real path, which holds no symlink and
// whose every component only root can change: the path can no longer be
// pointed elsewhere. Files beneath are opened with O_NOFOLLOW.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace surety {

struct PinnedStateDir {
  std::string real_path;  // the directory's real path: use this, not the one named
  bool created = false;   // it did not exist and was created (0700)
};

// `create`: create the directory (and its parents, 0700) when missing;
// otherwise a missing directory is a kNotFound error. `as_root`: apply the
// ownership rules above. Errors name the path, what is wrong and the fix.
Result<PinnedStateDir> PinStateDir(const std::string& path, bool create, bool as_root);

}  // namespace surety
