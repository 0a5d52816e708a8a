#include "os/system.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <vector>

#include "base/strings.h"
#include "os/proc.h"
#include "os/process.h"

namespace surety {

Result<UserIds> LookupUser(const std::string& name) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  int rc;
  if (IsAllDigits(name)) {
    // A number no user can have must never wrap around to another (0, root).
    std::optional<uint32_t> id = ParseNumericId(name);
    if (!id) return Status::Error(StatusCode::kOutOfRange, "'" + name + "' is not a valid user id");
    rc = getpwuid_r(static_cast<uid_t>(*id), &pw, buf.data(), buf.size(), &found);
  } else {
    rc = getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  }
  if (rc != 0 || !found) return Status::Error(StatusCode::kNotFound, "no such user '" + name + "'");
  return UserIds{pw.pw_uid, pw.pw_gid, pw.pw_dir ? pw.pw_dir : "", pw.pw_name ? pw.pw_name : "",
                 pw.pw_shell ? pw.pw_shell : ""};
}

Result<uint32_t> LookupGroup(const std::string& name) {
  std::vector<char> buf(16384);
  group gr{};
  group* found = nullptr;
  int rc;
  if (IsAllDigits(name)) {
    std::optional<uint32_t> id = ParseNumericId(name);
    if (!id)
      return Status::Error(StatusCode::kOutOfRange, "'" + name + "' is not a valid group id");
    rc = getgrgid_r(static_cast<gid_t>(*id), &gr, buf.data(), buf.size(), &found);
  } else {
    rc = getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found);
  }
  if (rc != 0 || !found)
    return Status::Error(StatusCode::kNotFound, "no such group '" + name + "'");
  return static_cast<uint32_t>(gr.gr_gid);
}

namespace {

// Writes `content` to a new temporary file beside `path`: its name.
Result<std::string> WriteTemporary(const std::string& path, const std::string& content,
                                   uint32_t mode, bool durable) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  // A stale temporary of a process that had our pid goes; then the file is
  // created new, never through a symlink someone planted.
  (void)unlink(tmp.c_str());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    return Status::Error(StatusCode::kIoError,
                         "cannot write " + tmp + ": " + SystemErrorText(errno));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      unlink(tmp.c_str());
      return Status::Error(StatusCode::kIoError, "cannot write " + tmp + ": " + SystemErrorText(e));
    }
    off += static_cast<size_t>(n);
  }
  if ((durable && fsync(fd) != 0) || close(fd) != 0) {
    unlink(tmp.c_str());
    return Status::Error(StatusCode::kIoError, "cannot sync " + tmp);
  }
  return tmp;
}

}  // namespace

Status WriteFileAtomic(const std::string& path, const std::string& content, uint32_t mode,
                       bool durable) {
  // A rename would replace a device or a pipe by a file: `--output
  // /dev/null` must not turn /dev/null into a regular file for everyone.
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
    return Status::Error(StatusCode::kIoError,
                         path +
                             " is not a regular file (a device, a pipe or a directory); it "
                             "was left as it was");
  auto tmp = WriteTemporary(path, content, mode, durable);
  if (!tmp.ok()) return tmp.status();
  if (rename(tmp->c_str(), path.c_str()) != 0) {
    unlink(tmp->c_str());
    return Status::Error(StatusCode::kIoError, "cannot rename to " + path);
  }
  return Status::Ok();
}

Status WriteNewFileAtomic(const std::string& path, const std::string& content, uint32_t mode) {
  auto tmp = WriteTemporary(path, content, mode, /*durable=*/true);
  if (!tmp.ok()) return tmp.status();
  if (renameat2(AT_FDCWD, tmp->c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0)
    return Status::Ok();
  int err = errno;
  // A file system without RENAME_NOREPLACE: a hard link fails too rather
  // than replace; then the temporary name goes.
  if (err == EINVAL || err == ENOSYS) err = link(tmp->c_str(), path.c_str()) == 0 ? 0 : errno;
  unlink(tmp->c_str());
  if (err == 0) return Status::Ok();
  if (err == EEXIST)
    return Status::Error(StatusCode::kIoError, path + " exists; it was left as it was");
  return Status::Error(StatusCode::kIoError, "cannot write " + path + ": " + SystemErrorText(err));
}

void RemoveFile(const std::string& path) { unlink(path.c_str()); }

int SignalAllDescendants(int sig) {
  std::map<pid_t, std::vector<pid_t>> children;
  for (const ProcInfo& p : ScanProcesses()) children[p.ppid].push_back(p.pid);
  int count = 0;
  std::vector<pid_t> todo = {getpid()};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    for (pid_t c : children[p]) {
      kill(c, sig);
      ++count;
      todo.push_back(c);
    }
  }
  return count;
}

bool RaiseSchedulingPriority() {
  sched_param p{};
  p.sched_priority = 1;
  return sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &p) == 0;
}

bool TerminateWithParent(int parent_pid) {
  if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0) return false;
  return getppid() == parent_pid;  // after the prctl: a death before it is seen here
}

bool BecomeSubreaper() { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

bool RunningAsRoot() { return geteuid() == 0; }
uint32_t CurrentUid() { return getuid(); }
int CurrentPid() { return static_cast<int>(getpid()); }

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

bool SleepUnlessStopped(Micros d) {
  // A stop request already taken off the queue (by a command's supervisor)
  // would never wake the wait below.
  if (StopRequested()) return false;
  if (d.count() <= 0) return true;
  return !TakeStopSignal(d);
}

timespec ToTimespec(Micros d) {
  return timespec{static_cast<time_t>(d.count() / 1000000),
                  static_cast<long>((d.count() % 1000000) * 1000)};
}

void SleepFor(Micros d) {
  if (d.count() <= 0) return;
  timespec left = ToTimespec(d);
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

bool EnsureStandardDescriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open() takes the lowest free descriptor: this one.
    int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened != fd) {
      if (opened >= 0) ::close(opened);
      return false;
    }
  }
  return true;
}

bool IsTerminal(int fd) { return ::isatty(fd) == 1; }

namespace {

std::string ReadLine(const char* path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

}  // namespace

std::string MachineIdText() { return ReadLine("/etc/machine-id"); }
std::string BootIdText() { return ReadLine("/proc/sys/kernel/random/boot_id"); }

Instant BootInstant() {
  timespec rt{}, bt{};
  clock_gettime(CLOCK_REALTIME, &rt);
  clock_gettime(CLOCK_BOOTTIME, &bt);
  int64_t us =
      (static_cast<int64_t>(rt.tv_sec) - bt.tv_sec) * 1000000 + (rt.tv_nsec - bt.tv_nsec) / 1000;
  return Instant{Micros{us}};
}

}  // namespace surety
