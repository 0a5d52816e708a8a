#include "store/sqlite_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "os/file_system.h"

namespace surety {

namespace {

constexpr const char* kName = "surety-unix";
std::atomic<int64_t> g_directory_syncs{0};

// fsyncs the directory holding `path`. Best effort, as SQLite's own
// directory sync is: a file system that cannot sync directories has nothing
// more to offer.
void SyncDirectoryOf(const char* path) {
  int fd = ::open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  int rc;
  do {
    rc = ::fsync(fd);
  } while (rc != 0 && errno == EINTR);
  ::close(fd);
  g_directory_syncs.fetch_add(1);
}

// history.db holds every run's output tail: its owner alone may read it.
// SQLite creates the database with its default mode (0644 less the umask)
// and the -wal and -shm files with the database's mode, so taking group and
// other access off the database, when it is created and when an older
// surety left it open, covers all three.
void OwnerOnly(const char* path) {
  struct stat st {};
  if (::lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 &&
      st.st_uid == ::geteuid())
    (void)::chmod(path, st.st_mode & 0700);
}

// Opens `name` through `base`; a database or log it creates gets its
// directory synced, once.
int OpenDurable(sqlite3_vfs* base, sqlite3_filename name, sqlite3_file* file, int flags,
                int* out_flags) {
  const bool durable_file = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
  if (name == nullptr || !durable_file || (flags & SQLITE_OPEN_CREATE) == 0)
    return base->xOpen(base, name, file, flags, out_flags);
  // An existing file: opened without O_CREAT, so the unix VFS does not queue
  // a directory sync for it. (A failed xOpen leaves `file` closed.)
  int got = 0;
  int rc = base->xOpen(base, name, file, flags & ~SQLITE_OPEN_CREATE, &got);
  if (rc == SQLITE_OK && (got & SQLITE_OPEN_READONLY) != 0 &&
      (flags & SQLITE_OPEN_READWRITE) != 0) {
    // The unix VFS retries a failed read-write open read-only: when another
    // process created the file between the two, that is a read-only handle
    // on a file we may write. Open it again the way a new file is opened.
    file->pMethods->xClose(file);
    rc = SQLITE_CANTOPEN;
  }
  if (rc == SQLITE_OK) {
    if (out_flags != nullptr) *out_flags = got;
    return rc;
  }
  rc = base->xOpen(base, name, file, flags, out_flags);
  if (rc == SQLITE_OK) SyncDirectoryOf(name);
  return rc;
}

int Open(sqlite3_vfs* self, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* base = static_cast<sqlite3_vfs*>(self->pAppData);
  if (name != nullptr && (flags & SQLITE_OPEN_MAIN_DB) != 0) {
    int rc = OpenDurable(base, name, file, flags, out_flags);
    if (rc == SQLITE_OK) OwnerOnly(name);
    return rc;
  }
  return OpenDurable(base, name, file, flags, out_flags);
}

sqlite3_vfs* Register() {
  static sqlite3_vfs vfs = [] {
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    sqlite3_vfs copy = *base;
    copy.zName = kName;
    copy.pAppData = base;
    copy.xOpen = Open;
    copy.pNext = nullptr;
    return copy;
  }();
  static const int registered = sqlite3_vfs_register(&vfs, 0);
  (void)registered;
  return &vfs;
}

}  // namespace

const char* SuretyVfsName() { return Register()->zName; }

int64_t SuretyVfsDirectorySyncs() { return g_directory_syncs.load(); }

}  // namespace surety
