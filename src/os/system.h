// This process and the machine it runs on: users and groups, ids, the host
// name, the machine and boot ids, the boot time; the few process-wide
// settings (standard descriptors, subreaper, priority) main() and the
// daemon make; sleeping; atomic writes of small files.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

#include "base/status.h"
#include "os/clock.h"

namespace surety {

struct UserIds {
  uint32_t uid = 0;
  uint32_t gid = 0;  // the user's primary group
  std::string home;
  std::string name;   // the login name (also for a user given by number)
  std::string shell;  // the login shell; may be empty
};

// Looks up a user by name (or numeric id).
Result<UserIds> LookupUser(const std::string& name);
// Looks up a group by name (or numeric id).
Result<uint32_t> LookupGroup(const std::string& name);
bool RunningAsRoot();
uint32_t CurrentUid();
int CurrentPid();
std::string HostName();
// Writes a file atomically (temporary file, fsync, rename).
// `durable`: fsync before the rename (a crash then keeps old or new, never
// a torn file; without it the new content may be lost in a crash).
Status WriteFileAtomic(const std::string& path, const std::string& content, uint32_t mode,
                       bool durable = true);
// As WriteFileAtomic (fsync'ed), but never replaces a file: when `path`
// exists, even one created meanwhile, it fails saying so and leaves it as
// it was (renameat2 RENAME_NOREPLACE, else link(2)).
Status WriteNewFileAtomic(const std::string& path, const std::string& content, uint32_t mode);
// Removes a file; a missing file is not an error.
void RemoveFile(const std::string& path);
// Sends `sig` to every descendant of this process (found through /proc).
// Returns how many were signalled.
int SignalAllDescendants(int sig);
// SIGTERM to this process when its parent dies (PR_SET_PDEATHSIG); false
// when the parent is no longer `parent_pid` (it died already).
bool TerminateWithParent(int parent_pid);
// Makes orphaned descendants re-parent to this process.
bool BecomeSubreaper();  // false (errno set) if the kernel refuses
// Gives this process real-time priority 1 (SCHED_RR) with reset-on-fork, so
// a scheduler is not queued behind the jobs it starts while its children run
// at normal priority. Needs root (CAP_SYS_NICE); false when not permitted.
bool RaiseSchedulingPriority();
// Sleeps for `d` unless SIGTERM or SIGINT arrives first (they must be
// blocked, see PrepareProcessForRunning); returns false if one arrived, now
// or earlier (StopRequested()).
bool SleepUnlessStopped(Micros d);
// Sleeps for `d`, whatever arrives meanwhile.
void SleepFor(Micros d);
// `d` as the timespec that nanosleep() and sigtimedwait() take.
timespec ToTimespec(Micros d);
// Opens /dev/null on whichever of descriptors 0, 1 and 2 is closed, so that
// no file this process opens later (the run journal, a lock) becomes its
// stdin, stdout or stderr and receives output meant for them. Call first
// in main(). False if one could not be opened.
bool EnsureStandardDescriptors();
// Whether descriptor `fd` is a terminal (a person is watching it).
bool IsTerminal(int fd);

// /etc/machine-id and the boot id as text (empty if unreadable).
std::string MachineIdText();
std::string BootIdText();
// The wall-clock instant the kernel booted (now - CLOCK_BOOTTIME).
Instant BootInstant();

}  // namespace surety
