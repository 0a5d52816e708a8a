// Owner identity of run records: which process owns a `running` record, and
// whether that process is still alive. The only place in the store that reads
// /proc (pid, start time, boot id).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <optional>
#include <string>

#include "os/event_loop.h"
#include "store/history_store.h"
#include "store/proc_stat.h"

namespace surety {

namespace {

// The whole content of a (/proc) file; nullopt with errno set if it cannot
// be opened or read. /proc files report size 0, so read until EOF.
std::optional<std::string> ReadProcFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

std::string StatPath(int pid) { return "/proc/" + std::to_string(pid) + "/stat"; }

}  // namespace

// Read once: it cannot change while this process lives, and ReapDead asks
// for every running record.
const std::string& CurrentBootId() {
  static const std::string id = BootIdText();
  return id;
}

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  // "PID (COMM) STATE PPID … STARTTIME …": STATE is field 3, STARTTIME 22.
  size_t close = text.rfind(')');
  if (close == std::string_view::npos || text.find('(') > close) return std::nullopt;
  std::string_view rest = text.substr(close + 1);
  ProcStat stat;
  int field = 2;
  size_t pos = 0;
  while (field < 22) {
    while (pos < rest.size() && rest[pos] == ' ') ++pos;
    if (pos == rest.size()) return std::nullopt;
    size_t end = rest.find(' ', pos);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view token = rest.substr(pos, end - pos);
    pos = end;
    ++field;
    if (field == 3) {
      if (token.size() != 1) return std::nullopt;
      stat.state = token[0];
    } else if (field == 22) {
      while (!token.empty() && token.back() == '\n') token.remove_suffix(1);
      auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), stat.start_time);
      if (ec != std::errc() || ptr != token.data() + token.size() || token.empty())
        return std::nullopt;
    }
  }
  return stat;
}

bool ProcessOwnerAlive(const RunRecord& record) {
  if (record.owner_pid <= 0) return false;
  std::optional<std::string> text = ReadProcFile(StatPath(record.owner_pid));
  if (!text) {
    // No /proc entry: normally the process is gone. With /proc mounted
    // hidepid=2 another user's process is invisible there but still known to
    // kill(); its identity cannot be checked, so it counts as alive rather
    // than have a reader mark a live run interrupted.
    if (::kill(record.owner_pid, 0) == -1 && errno == EPERM) return true;
    return false;
  }
  std::optional<ProcStat> stat = ParseProcStat(*text);
  if (!stat) return false;
  // A zombie runner has died; its parent just has not reaped it yet.
  if (stat->state == 'Z' || stat->state == 'X' || stat->state == 'x') return false;
  return stat->start_time == record.owner_start_time && CurrentBootId() == record.owner_boot_id;
}

void FillOwner(RunRecord& record) {
  record.owner_pid = static_cast<int>(::getpid());
  record.owner_boot_id = CurrentBootId();
  record.owner_start_time = 0;
  if (std::optional<std::string> text = ReadProcFile(StatPath(record.owner_pid))) {
    if (std::optional<ProcStat> stat = ParseProcStat(*text))
      record.owner_start_time = stat->start_time;
  }
}

}  // namespace surety
