#include "os/data_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/strings.h"
#include "os/file_system.h"

namespace surety {

namespace {

class RealDataFile final : public DataFile {
 public:
  RealDataFile(std::string path, int fd, bool read_only)
      : DataFile(std::move(path)), fd_(fd), read_only_(read_only) {}
  ~RealDataFile() override { ::close(fd_); }
  RealDataFile(const RealDataFile&) = delete;
  RealDataFile& operator=(const RealDataFile&) = delete;

  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::pread(fd_, buf, n, static_cast<off_t>(offset));
      if (r >= 0) return static_cast<size_t>(r);
      if (errno != EINTR) return IoError("cannot read", path(), errno);
    }
  }

  Status WriteAt(uint64_t offset, std::string_view data) override {
    if (read_only_) return IoError("cannot write", path(), EACCES);
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError("cannot write", path(), errno);
      if (n == 0) return IoError("cannot write", path(), EIO);
      data.remove_prefix(static_cast<size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    if (read_only_) return IoError("cannot truncate", path(), EACCES);
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
      return IoError("cannot truncate", path(), errno);
    return Status::Ok();
  }

  Status Sync() override {
    int rc;
    do rc = ::fdatasync(fd_);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) return IoError("cannot flush", path(), errno);
    return Status::Ok();
  }

  Result<uint64_t> Size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return IoError("cannot stat", path(), errno);
    return static_cast<uint64_t>(st.st_size);
  }

  bool IsCurrent() override {
    struct stat mine {
    }, named{};
    return ::fstat(fd_, &mine) == 0 && mine.st_nlink > 0 && ::stat(path().c_str(), &named) == 0 &&
           mine.st_ino == named.st_ino && mine.st_dev == named.st_dev;
  }

  Result<bool> TryLock() override {
    for (;;) {
      if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return true;
      if (errno == EINTR) continue;
      if (errno == EWOULDBLOCK) return false;
      return IoError("cannot lock", path(), errno);
    }
  }

  void Unlock() override { ::flock(fd_, LOCK_UN); }

 private:
  int fd_;
  bool read_only_;  // opened read-only: reading a history this user may not write
};

}  // namespace

Status IoError(const std::string& doing, const std::string& path, int err) {
  std::string message = doing + " " + path + ": " + SystemErrorText(err);
  if (err == ENOSPC || err == EDQUOT) message += "; free some space";
  return Status::Error(StatusCode::kIoError, std::move(message));
}

Result<std::unique_ptr<DataFile>> RealDataFiles::Open(const std::string& path) {
  bool read_only = false;
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && (errno == EACCES || errno == EROFS)) {
    // Reading never needs write access: a reader of a read-only state
    // directory still gets the file; a write to it fails, saying why.
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    read_only = true;
  }
  if (fd < 0) {
    if (errno == ENOENT) return std::unique_ptr<DataFile>();
    return IoError("cannot open", path, errno);
  }
  return std::unique_ptr<DataFile>(std::make_unique<RealDataFile>(path, fd, read_only));
}

Result<std::unique_ptr<DataFile>> RealDataFiles::Create(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return IoError("cannot create", path, errno);
  return std::unique_ptr<DataFile>(std::make_unique<RealDataFile>(path, fd, false));
}

Status RealDataFiles::SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot flush the directory", dir, errno);
  int rc;
  do rc = ::fsync(fd);
  while (rc != 0 && errno == EINTR);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("cannot flush the directory", dir, err);
  return Status::Ok();
}

Status RealDataFiles::Remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("cannot remove", path, errno);
  return Status::Ok();
}

Status RealDataFiles::Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return IoError("cannot rename", from, errno);
  return Status::Ok();
}

Result<bool> RealDataFiles::RenameNew(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno == EEXIST) return false;
  if (errno != EINVAL && errno != ENOSYS) return IoError("cannot rename", from, errno);
  // A file system without RENAME_NOREPLACE: a hard link is just as atomic.
  if (::link(from.c_str(), to.c_str()) != 0) {
    if (errno == EEXIST) return false;
    return IoError("cannot link", from, errno);
  }
  (void)::unlink(from.c_str());
  return true;
}

uint64_t RealDataFiles::Random() {
  uint64_t v = 0;
  while (::getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v)) {
  }
  return v;
}

Status RealDataFiles::MakeDirectory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) return Status::Ok();
    return IoError("cannot create directory", dir, errno);
  }
  return SyncDirectory(DirName(dir));
}

Result<std::vector<std::string>> RealDataFiles::List(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return names;
    return IoError("cannot list", dir, errno);
  }
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

DataFiles& DefaultDataFiles() {
  static RealDataFiles files;
  return files;
}

}  // namespace surety
