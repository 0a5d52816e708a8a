// RealFileSystem (POSIX calls), FakeFileSystem (an in-memory map) and path
// helpers.
#include "os/file_system.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

#include "base/strings.h"

namespace surety {

namespace {

Status PathError(const std::string& what, const std::string& path, int err) {
  StatusCode code = err == ENOENT || err == ENOTDIR ? StatusCode::kNotFound : StatusCode::kIoError;
  return Status::Error(code, "cannot " + what + " '" + path + "': " + SystemErrorText(err));
}

Instant FromTimespec(const timespec& ts) {
  return Instant{Micros{static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000}};
}

FileInfo FromStat(const struct stat& st) {
  FileInfo info;
  info.exists = true;
  info.is_regular = S_ISREG(st.st_mode);
  info.is_directory = S_ISDIR(st.st_mode);
  info.size = static_cast<uint64_t>(st.st_size);
  info.mode = static_cast<uint32_t>(st.st_mode & 07777);
  info.uid = static_cast<uint32_t>(st.st_uid);
  info.gid = static_cast<uint32_t>(st.st_gid);
  info.mtime = FromTimespec(st.st_mtim);
  return info;
}

const char* FileTypeName(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Status NotRegular(const std::string& path, const char* type) {
  return Status::Invalid("cannot read '" + path + "': " + type + ", not a regular file");
}

Status TooLarge(const std::string& path, uint64_t max_bytes) {
  return Status::Error(StatusCode::kOutOfRange, "cannot read '" + path + "': larger than " +
                                                    std::to_string(max_bytes) + " bytes");
}

// Every proper ancestor directory of an absolute path ("/a/b/c" → "/", "/a", "/a/b").
void AddAncestors(const std::string& path, std::set<std::string>* dirs) {
  for (std::string d = DirName(path); d != "."; d = DirName(d)) {
    if (!dirs->insert(d).second || d == "/") break;
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// FileSystem defaults (for test doubles)

Result<FileContent> FileSystem::ReadRegularFile(const std::string& path, uint64_t max_bytes) const {
  Result<FileInfo> info = Stat(path);
  if (!info.ok()) return info.status();
  if (info->exists && !info->is_regular)
    return NotRegular(path, info->is_directory ? "a directory" : "not a regular file");
  if (info->exists && info->size > max_bytes) return TooLarge(path, max_bytes);
  Result<std::string> data = ReadFile(path);
  if (!data.ok()) return data.status();
  if (data->size() > max_bytes) return TooLarge(path, max_bytes);
  return FileContent{std::move(*data), *info};
}

Result<std::string> FileSystem::CanonicalPath(const std::string& path) const {
  return LexicallyNormal(path);
}

// ---------------------------------------------------------------------------
// RealFileSystem

namespace {

// Reads `fd` to its end into `out` and closes it; more than `max_bytes` is
// TooLarge (a file that grew while being read).
Status ReadToEnd(int fd, const std::string& path, uint64_t max_bytes, std::string* out) {
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return PathError("read", path, err);
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > max_bytes) {
      ::close(fd);
      return TooLarge(path, max_bytes);
    }
  }
  ::close(fd);
  return Status::Ok();
}

}  // namespace

Result<std::string> RealFileSystem::ReadFile(const std::string& path) const {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return PathError("read", path, errno);
  std::string content;
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) content.reserve(static_cast<size_t>(st.st_size));
  if (Status s = ReadToEnd(fd, path, UINT64_MAX, &content); !s.ok()) return s;
  return content;
}

Result<FileContent> RealFileSystem::ReadRegularFile(const std::string& path,
                                                    uint64_t max_bytes) const {
  // O_NONBLOCK: opening a FIFO without a writer (or a device that waits for
  // carrier) returns at once; fstat() then refuses it before any read.
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return PathError("read", path, errno);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return PathError("read", path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return NotRegular(path, FileTypeName(st.st_mode));
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    return TooLarge(path, max_bytes);
  }
  FileContent out;
  out.info = FromStat(st);
  out.data.reserve(static_cast<size_t>(st.st_size));
  if (Status s = ReadToEnd(fd, path, max_bytes, &out.data); !s.ok()) return s;
  out.info.size = out.data.size();
  return out;
}

Result<std::string> RealFileSystem::CanonicalPath(const std::string& path) const {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (!resolved) return PathError("resolve", path, errno);
  std::string out(resolved);
  std::free(resolved);
  return out;
}

Result<FileInfo> RealFileSystem::Stat(const std::string& path) const {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return FileInfo{};
    return PathError("stat", path, errno);
  }
  return FromStat(st);
}

bool RealFileSystem::Readable(const std::string& path) const {
  return ::access(path.c_str(), R_OK) == 0;
}

Result<uint64_t> RealFileSystem::FreeBytes(const std::string& path) const {
  struct statvfs vfs {};
  if (::statvfs(path.c_str(), &vfs) != 0) return PathError("check free space on", path, errno);
  return static_cast<uint64_t>(vfs.f_bavail) * static_cast<uint64_t>(vfs.f_frsize);
}

std::vector<std::string> RealFileSystem::Glob(const std::string& pattern) const {
  std::vector<std::string> out;
  glob_t g{};
  // Sorted below by bytes, not by the locale's collation.
  if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

Status RealFileSystem::MakeDirs(const std::string& path, uint32_t mode) {
  if (path.empty()) return Status::Invalid("cannot create a directory with an empty name");
  // Nearly always the directory exists already: one stat instead of a mkdir
  // and a stat per component.
  if (struct stat st{}; ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::Ok();
  // Each prefix ending before a '/', then the whole path.
  for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
    std::string prefix = pos == std::string::npos ? path : path.substr(0, pos);
    if (!prefix.empty() && prefix.back() != '/') {
      if (::mkdir(prefix.c_str(), static_cast<mode_t>(mode)) == 0) {
        // A new directory's name lives in its parent: flush the parent, or
        // a power cut soon after could lose the directory and every durable
        // file later written in it (the run journal, history.db). Only on
        // creation, so it costs nothing once the state directory exists.
        const std::string parent = DirName(prefix);
        int dir = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        const int rc = dir < 0 ? -1 : ::fsync(dir);
        const int err = errno;
        if (dir >= 0) ::close(dir);
        if (rc != 0) return PathError("flush directory", parent, err);
      } else if (errno != EEXIST) {
        return PathError("create directory", prefix, errno);
      }
      struct stat st {};
      if (::stat(prefix.c_str(), &st) != 0) return PathError("create directory", prefix, errno);
      if (!S_ISDIR(st.st_mode)) {
        return Status::Error(StatusCode::kIoError, "cannot create directory '" + prefix +
                                                       "': " + SystemErrorText(ENOTDIR));
      }
    }
    if (pos == std::string::npos) break;
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// FakeFileSystem

void FakeFileSystem::AddFile(const std::string& path, std::string content, uint32_t mode,
                             Instant mtime) {
  files_[LexicallyNormal(path)] = File{std::move(content), mode, mtime};
}

void FakeFileSystem::SetOwner(const std::string& path, uint32_t uid) {
  files_.at(LexicallyNormal(path)).uid = uid;
}

void FakeFileSystem::SetDirectory(const std::string& path, uint32_t mode, uint32_t uid) {
  dirs_[LexicallyNormal(path)] = {mode, uid};
}

void FakeFileSystem::SetReadable(const std::string& path, bool readable) {
  unreadable_[LexicallyNormal(path)] = !readable;
}

void FakeFileSystem::SetStatError(const std::string& path, Status error) {
  stat_errors_[LexicallyNormal(path)] = std::move(error);
}

void FakeFileSystem::Remove(const std::string& path) { files_.erase(LexicallyNormal(path)); }

void FakeFileSystem::AddFifo(const std::string& path, uint32_t mode) {
  File f{"", mode, Instant{}};
  f.regular = false;
  files_[LexicallyNormal(path)] = f;
}

Result<FileContent> FakeFileSystem::ReadRegularFile(const std::string& path,
                                                    uint64_t max_bytes) const {
  if (auto it = files_.find(LexicallyNormal(path)); it != files_.end() && !it->second.regular)
    return NotRegular(path, "a FIFO");
  return FileSystem::ReadRegularFile(path, max_bytes);
}

Result<std::string> FakeFileSystem::ReadFile(const std::string& path) const {
  auto it = files_.find(LexicallyNormal(path));
  if (it == files_.end()) return PathError("read", path, ENOENT);
  auto unreadable = unreadable_.find(LexicallyNormal(path));
  if (unreadable != unreadable_.end() && unreadable->second) return PathError("read", path, EACCES);
  return it->second.content;
}

Result<FileInfo> FakeFileSystem::Stat(const std::string& path) const {
  if (auto err = stat_errors_.find(LexicallyNormal(path)); err != stat_errors_.end())
    return err->second;
  FileInfo info;
  auto it = files_.find(LexicallyNormal(path));
  if (it != files_.end()) {
    info.exists = true;
    info.is_regular = it->second.regular;
    info.size = it->second.content.size();
    info.mode = it->second.mode;
    info.uid = it->second.uid;
    info.mtime = it->second.mtime;
    return info;
  }
  // A directory exists if a file lies below it.
  const std::string norm = LexicallyNormal(path);
  std::string prefix = norm.back() == '/' ? norm : norm + "/";
  auto below = files_.lower_bound(prefix);
  if (below != files_.end() && below->first.compare(0, prefix.size(), prefix) == 0) {
    info.exists = true;
    info.is_directory = true;
    info.mode = 0755;
  }
  if (auto dir = dirs_.find(norm); dir != dirs_.end()) {
    info.exists = true;
    info.is_directory = true;
    info.mode = dir->second.first;
    info.uid = dir->second.second;
  }
  return info;
}

bool FakeFileSystem::Readable(const std::string& path) const {
  auto info = Stat(path);
  if (!info.ok() || !info->exists) return false;
  auto it = unreadable_.find(LexicallyNormal(path));
  return it == unreadable_.end() || !it->second;
}

Result<uint64_t> FakeFileSystem::FreeBytes(const std::string&) const { return free_bytes_; }

std::vector<std::string> FakeFileSystem::Glob(const std::string& pattern) const {
  std::set<std::string> candidates;
  for (const auto& [path, file] : files_) {
    candidates.insert(path);
    AddAncestors(path, &candidates);
  }
  std::vector<std::string> out;
  for (const std::string& c : candidates) {  // std::set: already sorted
    if (fnmatch(pattern.c_str(), c.c_str(), FNM_PATHNAME | FNM_PERIOD) == 0) out.push_back(c);
  }
  return out;
}

Status FakeFileSystem::MakeDirs(const std::string&, uint32_t) { return Status::Ok(); }

// ---------------------------------------------------------------------------
// Paths

std::string JoinPath(const std::string& dir, const std::string& rel) {
  if (dir.empty() || (!rel.empty() && rel.front() == '/')) return rel;
  if (rel.empty()) return dir;
  return dir.back() == '/' ? dir + rel : dir + "/" + rel;
}

std::string DirName(const std::string& path) {
  // POSIX dirname(3): trailing slashes do not count; "/" stays "/".
  size_t end = path.find_last_not_of('/');
  if (end == std::string::npos) return path.empty() ? "." : "/";
  size_t slash = path.rfind('/', end);
  if (slash == std::string::npos) return ".";
  size_t last = path.find_last_not_of('/', slash);
  if (last == std::string::npos) return "/";
  return path.substr(0, last + 1);
}

std::string LexicallyNormal(const std::string& path) {
  const bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string part = path.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
    } else if (part == ".." && absolute) {
      continue;  // "/.." is "/"
    } else {
      parts.push_back(part);
    }
  }
  std::string out = absolute ? "/" : "";
  for (const auto& p : parts) {
    if (!out.empty() && out.back() != '/') out += '/';
    out += p;
  }
  return out.empty() ? "." : out;
}

}  // namespace surety
