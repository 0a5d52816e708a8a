// DataFile: one open file of the state directory, read and written at
// offsets, flushed on request and locked whole; DataFiles opens them.
//
// For: the run journal (store/journaled_history.cc), whose every durable
// write goes through here, so that a test can make a write or an fdatasync
// fail (a full disk, a failing device) and check that no run record is lost
// or reported durable when it is not. RealDataFiles is the kernel's; a test
// wraps it (or writes its own) to inject faults.
//
// Semantics: files are opened read-write with O_NOFOLLOW (a symlink in the
// file's place is refused) and created with O_EXCL and mode 0600. Every
// failure is a Status whose message names the operation and the path, and
// says "free some space" when the disk is full. Locks are flock(LOCK_EX)
// locks on the open file: released by Unlock(), by closing, or by the
// process's death.
//
// Thread-compatible: one DataFile per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace surety {

class DataFile {
 public:
  virtual ~DataFile() = default;
  const std::string& path() const { return path_; }
  // Up to `n` bytes at `offset` into `buf`; 0 at the end of the file.
  virtual Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) = 0;
  // All of `data` at `offset`, or an error (then part of it may be written).
  virtual Status WriteAt(uint64_t offset, std::string_view data) = 0;
  virtual Status Truncate(uint64_t size) = 0;
  // Makes what was written durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Result<uint64_t> Size() = 0;
  // True while this open file is still the one named path() (not deleted,
  // not replaced by a rename since it was opened).
  virtual bool IsCurrent() = 0;
  // Takes the whole-file lock without waiting: false when another open
  // file (another process) holds it.
  virtual Result<bool> TryLock() = 0;
  virtual void Unlock() = 0;

 protected:
  explicit DataFile(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
};

class DataFiles {
 public:
  virtual ~DataFiles() = default;
  // Opens `path`; nullptr (not an error) when it does not exist. A file
  // this process may only read is opened read-only (its writes fail).
  virtual Result<std::unique_ptr<DataFile>> Open(const std::string& path) = 0;
  // Creates `path` (mode 0600); an error if it exists.
  virtual Result<std::unique_ptr<DataFile>> Create(const std::string& path) = 0;
  // Makes the entries of directory `dir` durable (a file created in it).
  virtual Status SyncDirectory(const std::string& dir) = 0;
  virtual Status Remove(const std::string& path) = 0;
  // Renames `from` to `to` (same file system); a missing `from` is an error.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Renames `from` to `to` unless `to` exists: false (and `from` left
  // where it is) when it does. Makes a file appear whole, once.
  virtual Result<bool> RenameNew(const std::string& from, const std::string& to) = 0;
  // 64 random bits (getrandom), never the same twice in practice.
  virtual uint64_t Random() = 0;
  // Creates directory `dir` (mode 0700) if it does not exist, durably (its
  // parent is flushed).
  virtual Status MakeDirectory(const std::string& dir) = 0;
  // The names in directory `dir`, sorted, without "." and ".."; empty when
  // it does not exist.
  virtual Result<std::vector<std::string>> List(const std::string& dir) = 0;
};

class RealDataFiles final : public DataFiles {
 public:
  Result<std::unique_ptr<DataFile>> Open(const std::string& path) override;
  Result<std::unique_ptr<DataFile>> Create(const std::string& path) override;
  Status SyncDirectory(const std::string& dir) override;
  Status Remove(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Result<bool> RenameNew(const std::string& from, const std::string& to) override;
  uint64_t Random() override;
  Status MakeDirectory(const std::string& dir) override;
  Result<std::vector<std::string>> List(const std::string& dir) override;
};

// The process's RealDataFiles.
DataFiles& DefaultDataFiles();

// "cannot DOING PATH: <errno text>", with "; free some space" when `err` is
// ENOSPC or EDQUOT.
Status IoError(const std::string& doing, const std::string& path, int err);

}  // namespace surety
