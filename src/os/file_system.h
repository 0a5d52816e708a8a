// FileSystem: every file the program reads, writes or inspects.
//
// For: the job file loader, checks (free space, artifacts), secrets, lock and
// state directories. Built once in main(); tests use FakeFileSystem (an
// in-memory tree) or wrap the real one in FaultyFileSystem to make writes
// fail, the disk fill up or fsync error.
//
// Thread-safety: RealFileSystem is thread-safe; the fakes are
// thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "os/clock.h"

namespace surety {

struct FileInfo {
  bool exists = false;
  bool is_regular = false;
  bool is_directory = false;
  uint64_t size = 0;
  uint32_t mode = 0;  // permission bits (st_mode & 07777)
  uint32_t uid = 0;   // owner
  uint32_t gid = 0;
  Instant mtime;
};

// A whole file and what fstat() said about the very file that was read (so
// a check of its owner or mode cannot race with a rename).
struct FileContent {
  std::string data;
  FileInfo info;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::string> ReadFile(const std::string& path) const = 0;
  // Reads a file meant as input the program trusts (the job file, an
  // include, a secret): only a regular file (symlinks followed) of at most
  // `max_bytes`. A FIFO, device, socket or directory is an error, and
  // opening one never blocks. The default uses Stat() then ReadFile(), for
  // test doubles; RealFileSystem opens once and checks the open file.
  virtual Result<FileContent> ReadRegularFile(const std::string& path, uint64_t max_bytes) const;
  // The canonical absolute path, symlinks resolved (realpath(3)); the file
  // must exist. The default only normalises the spelling ("a//./b/../c" →
  // "a/c"), for test doubles.
  virtual Result<std::string> CanonicalPath(const std::string& path) const;
  // Missing files are not an error: FileInfo::exists is false.
  virtual Result<FileInfo> Stat(const std::string& path) const = 0;
  // True if this process may read the file (access(R_OK)).
  virtual bool Readable(const std::string& path) const = 0;
  // Bytes available to unprivileged users on the file system holding path.
  virtual Result<uint64_t> FreeBytes(const std::string& path) const = 0;
  // Paths matching a shell glob, sorted. No match is an empty list.
  virtual std::vector<std::string> Glob(const std::string& pattern) const = 0;
  // mkdir -p with the given mode for created directories.
  virtual Status MakeDirs(const std::string& path, uint32_t mode) = 0;
};

class RealFileSystem final : public FileSystem {
 public:
  Result<std::string> ReadFile(const std::string& path) const override;
  Result<FileContent> ReadRegularFile(const std::string& path, uint64_t max_bytes) const override;
  Result<std::string> CanonicalPath(const std::string& path) const override;
  Result<FileInfo> Stat(const std::string& path) const override;
  bool Readable(const std::string& path) const override;
  Result<uint64_t> FreeBytes(const std::string& path) const override;
  std::vector<std::string> Glob(const std::string& pattern) const override;
  Status MakeDirs(const std::string& path, uint32_t mode) override;
};

// An in-memory file system for tests. Paths are absolute strings, compared
// after LexicallyNormal() ("/a/b/../c" is "/a/c"); every file is owned by
// root (uid 0) unless SetOwner() says otherwise.
class FakeFileSystem final : public FileSystem {
 public:
  void AddFile(const std::string& path, std::string content, uint32_t mode = 0644,
               Instant mtime = Instant{});
  // A FIFO (or any other non-regular file): Stat() says it exists but is not
  // regular, and ReadRegularFile() refuses it.
  void AddFifo(const std::string& path, uint32_t mode = 0644);
  void SetOwner(const std::string& path, uint32_t uid);
  // The mode and owner Stat() gives directory `path` (else 0755, root).
  void SetDirectory(const std::string& path, uint32_t mode, uint32_t uid = 0);
  // Stat() (and so ReadRegularFile()) of `path` fails with `error`.
  void SetStatError(const std::string& path, Status error);
  void SetFreeBytes(uint64_t bytes) { free_bytes_ = bytes; }
  void SetReadable(const std::string& path, bool readable);
  void Remove(const std::string& path);

  Result<std::string> ReadFile(const std::string& path) const override;
  Result<FileContent> ReadRegularFile(const std::string& path, uint64_t max_bytes) const override;
  Result<FileInfo> Stat(const std::string& path) const override;
  bool Readable(const std::string& path) const override;
  Result<uint64_t> FreeBytes(const std::string& path) const override;
  std::vector<std::string> Glob(const std::string& pattern) const override;
  Status MakeDirs(const std::string& path, uint32_t mode) override;

 private:
  struct File {
    std::string content;
    uint32_t mode;
    Instant mtime;
    bool regular = true;
    uint32_t uid = 0;
  };
  std::map<std::string, File> files_;
  std::map<std::string, std::pair<uint32_t, uint32_t>> dirs_;  // mode, uid
  std::map<std::string, Status> stat_errors_;
  std::map<std::string, bool> unreadable_;
  uint64_t free_bytes_ = uint64_t{1} << 40;
};

// Joins a directory and a relative path ("a/b", "c" → "a/b/c"); an absolute
// `rel` is returned unchanged.
std::string JoinPath(const std::string& dir, const std::string& rel);
// The directory part of a path ("a/b/c" → "a/b", "c" → ".").
std::string DirName(const std::string& path);
// The path with "." and empty components dropped and "dir/.." folded,
// without looking at the disk ("/a/./b/../c" → "/a/c", "a/.." → ".").
std::string LexicallyNormal(const std::string& path);

}  // namespace surety
