#include "os/proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace surety {

namespace {

// The whole content of a /proc file (they report size 0: read until EOF);
// nullopt if it cannot be opened or read.
std::optional<std::string> ReadProcFile(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

template <typename T>
bool ParseNumber(std::string_view token, T& out) {
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  return ec == std::errc() && ptr == token.data() + token.size() && !token.empty();
}

std::optional<std::string> StatText(pid_t pid) {
  char path[48];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  return ReadProcFile(path);
}

}  // namespace

std::optional<ProcInfo> ParseProcStat(std::string_view text) {
  // "PID (COMM) STATE PPID PGRP … STARTTIME …": STATE is field 3, STARTTIME 22.
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos || open == std::string_view::npos || open > close)
    return std::nullopt;
  ProcInfo info;
  std::string_view pid_text = text.substr(0, open);
  while (!pid_text.empty() && pid_text.back() == ' ') pid_text.remove_suffix(1);
  if (!ParseNumber(pid_text, info.pid)) return std::nullopt;
  std::string_view rest = text.substr(close + 1);
  size_t pos = 0;
  for (int field = 3; field <= 22; ++field) {
    while (pos < rest.size() && rest[pos] == ' ') ++pos;
    if (pos == rest.size()) return std::nullopt;
    size_t end = rest.find(' ', pos);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view token = rest.substr(pos, end - pos);
    pos = end;
    if (field == 22)
      while (!token.empty() && token.back() == '\n') token.remove_suffix(1);
    switch (field) {
      case 3:
        if (token.size() != 1) return std::nullopt;
        info.state = token[0];
        break;
      case 4:
        if (!ParseNumber(token, info.ppid)) return std::nullopt;
        break;
      case 5:
        if (!ParseNumber(token, info.pgid)) return std::nullopt;
        break;
      case 22:
        if (!ParseNumber(token, info.start_time)) return std::nullopt;
        break;
      default:
        break;
    }
  }
  return info;
}

std::optional<ProcInfo> ReadProcStat(pid_t pid) {
  std::optional<std::string> text = StatText(pid);
  if (!text) return std::nullopt;
  return ParseProcStat(*text);
}

std::vector<ProcInfo> ScanProcesses() {
  std::vector<ProcInfo> procs;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return procs;
  while (dirent* e = readdir(dir)) {
    const char* name = e->d_name;
    if (*name < '1' || *name > '9') continue;
    char* end = nullptr;
    long pid = std::strtol(name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid > INT_MAX) continue;
    if (auto info = ReadProcStat(static_cast<pid_t>(pid))) procs.push_back(*info);
  }
  closedir(dir);
  return procs;
}

void SignalIfUnchanged(const ProcInfo& p, int sig, pid_t self) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, p.pid, 0));
  if (pidfd < 0) {
    if (errno == ENOSYS) ::kill(p.pid, sig);
    return;
  }
  auto now = ReadProcStat(p.pid);
  if (now && (now->ppid == p.ppid || now->ppid == self)) {
    syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0U);
  }
  ::close(pidfd);
}

const std::string& CurrentBootId() {
  static const std::string id = [] {
    std::string text = ReadProcFile("/proc/sys/kernel/random/boot_id").value_or("");
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
  }();
  return id;
}

ProcessIdentity SelfIdentity() {
  ProcessIdentity id;
  id.pid = static_cast<int>(::getpid());
  id.boot_id = CurrentBootId();
  if (auto me = ReadProcStat(id.pid)) id.start_time = me->start_time;
  return id;
}

bool StillRunning(const ProcessIdentity& id) {
  if (id.pid <= 0) return false;
  std::optional<std::string> text = StatText(id.pid);
  if (!text) {
    // No /proc entry: normally the process is gone, unless /proc hides it.
    return ::kill(id.pid, 0) == -1 && errno == EPERM;
  }
  std::optional<ProcInfo> stat = ParseProcStat(*text);
  if (!stat) return false;
  // A zombie has died; its parent just has not reaped it yet.
  if (stat->state == 'Z' || stat->state == 'X' || stat->state == 'x') return false;
  return stat->start_time == id.start_time && CurrentBootId() == id.boot_id;
}

}  // namespace surety
