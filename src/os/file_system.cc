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

// Every proper ancestor directory of an absolute path ("/a/b/c" → "/", "/a", "/a/b").
void AddAncestors(const std::string& path, std::set<std::string>* dirs) {
  for (std::string d = DirName(path); d != "."; d = DirName(d)) {
    if (!dirs->insert(d).second || d == "/") break;
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// RealFileSystem

Result<std::string> RealFileSystem::ReadFile(const std::string& path) const {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return PathError("read", path, errno);
  std::string content;
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) content.reserve(static_cast<size_t>(st.st_size));
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
    content.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

Result<FileInfo> RealFileSystem::Stat(const std::string& path) const {
  struct stat st {};
  FileInfo info;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return info;
    return PathError("stat", path, errno);
  }
  info.exists = true;
  info.is_regular = S_ISREG(st.st_mode);
  info.is_directory = S_ISDIR(st.st_mode);
  info.size = static_cast<uint64_t>(st.st_size);
  info.mode = static_cast<uint32_t>(st.st_mode & 07777);
  info.mtime = FromTimespec(st.st_mtim);
  return info;
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
      if (::mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
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
  files_[path] = File{std::move(content), mode, mtime};
}

Result<std::string> FakeFileSystem::ReadFile(const std::string& path) const {
  auto it = files_.find(path);
  if (it == files_.end()) return PathError("read", path, ENOENT);
  auto unreadable = unreadable_.find(path);
  if (unreadable != unreadable_.end() && unreadable->second) return PathError("read", path, EACCES);
  return it->second.content;
}

Result<FileInfo> FakeFileSystem::Stat(const std::string& path) const {
  FileInfo info;
  auto it = files_.find(path);
  if (it != files_.end()) {
    info.exists = true;
    info.is_regular = true;
    info.size = it->second.content.size();
    info.mode = it->second.mode;
    info.mtime = it->second.mtime;
    return info;
  }
  // A directory exists if a file lies below it.
  std::string prefix = path.empty() || path.back() == '/' ? path : path + "/";
  auto below = files_.lower_bound(prefix);
  if (below != files_.end() && below->first.compare(0, prefix.size(), prefix) == 0) {
    info.exists = true;
    info.is_directory = true;
    info.mode = 0755;
  }
  return info;
}

bool FakeFileSystem::Readable(const std::string& path) const {
  auto info = Stat(path);
  if (!info.ok() || !info->exists) return false;
  auto it = unreadable_.find(path);
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

}  // namespace surety
