#include "os/state_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "base/strings.h"
#include "os/fd.h"
#include "os/file_system.h"

namespace surety {

namespace {

std::string Octal(uint32_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

// What is wrong with directory `st` at `path` for root to trust it, or "".
// `sticky_ok`: a sticky directory others may write is fine (they cannot
// rename or remove root's entries in it).
std::string Untrusted(const std::string& path, const struct stat& st, bool sticky_ok) {
  if (!S_ISDIR(st.st_mode)) return path + " is not a directory";
  if (st.st_uid != 0)
    return path + " is owned by uid " + std::to_string(st.st_uid) +
           ", who could then change surety's history and locks; chown root " + path;
  const bool others_write = (st.st_mode & 022) != 0;
  const bool sticky = (st.st_mode & S_ISVTX) != 0;
  if (others_write && !(sticky_ok && sticky))
    return path + " may be written by others (mode " + Octal(st.st_mode) + "); chmod go-w " + path;
  return "";
}

}  // namespace

Result<PinnedStateDir> PinStateDir(const std::string& path, bool create, bool as_root) {
  PinnedStateDir out;
  if (path.empty()) return Status::Invalid("the state directory has no name");
  Fd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid() && errno == ENOENT && create) {
    RealFileSystem fs;
    if (Status s = fs.MakeDirs(path, 0700); !s.ok())
      return Status::Error(s.code(), "state_dir " + path + ": " + s.message());
    out.created = true;
    dir = Fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  }
  if (!dir.valid()) {
    const int err = errno;
    return Status::Error(err == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                         "state_dir " + path + ": cannot open it: " + SystemErrorText(err));
  }
  // The directory opened, whatever the path points at by now.
  struct stat st {};
  if (::fstat(dir.get(), &st) != 0)
    return Status::Error(StatusCode::kIoError, "cannot check the state directory " + path + ": " +
                                                   SystemErrorText(errno));
  if (as_root) {
    if (std::string why = Untrusted(path, st, /*sticky_ok=*/false); !why.empty())
      return Status::Error(StatusCode::kInvalidArgument, "state_dir " + path + ": " + why);
  }
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", dir.get());
  char real[4096];
  const ssize_t n = ::readlink(link, real, sizeof real - 1);
  if (n <= 0 || real[0] != '/')
    return Status::Error(StatusCode::kIoError,
                         "state_dir " + path + ": cannot resolve it (is /proc mounted?)");
  out.real_path.assign(real, static_cast<size_t>(n));
  // As root, nobody else may be able to move the real path elsewhere.
  if (as_root) {
    for (std::string above = DirName(out.real_path);; above = DirName(above)) {
      struct stat up {};
      if (::lstat(above.c_str(), &up) != 0)
        return Status::Error(StatusCode::kIoError, "cannot check " + above +
                                                       ", above the state "
                                                       "directory: " +
                                                       SystemErrorText(errno));
      if (std::string why = Untrusted(above, up, /*sticky_ok=*/true); !why.empty())
        return Status::Error(
            StatusCode::kInvalidArgument,
            "the directory above the state directory " + out.real_path + ": " + why);
      if (above == "/") break;
    }
  }
  return out;
}

}  // namespace surety
