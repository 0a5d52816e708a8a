#include "os/spawn.h"

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/strings.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace surety {

namespace {

constexpr const char* kDefaultPath = "/bin:/usr/bin";  // execvp's default

// Exit codes for a child that could not start (shell and systemd style).
constexpr int kExitNotFound = 127;
constexpr int kExitCannotExec = 126;
constexpr int kExitChdir = 200;  // systemd CHDIR
constexpr int kExitGroup = 216;  // systemd GROUP
constexpr int kExitUser = 217;   // systemd USER
constexpr int kExitSetup = 203;  // systemd EXEC

enum ChildStage : int { kStageSetup = 1, kStageGroups, kStageUid, kStageChdir, kStageExec };
struct ChildError {
  int stage;
  int err;
};

// Everything the child needs, built before fork().
struct SpawnPlan {
  std::vector<std::string> candidates;  // paths to try with execve, in order
  std::vector<std::string> env_strings;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::vector<const char*> candidate_ptrs;
  bool set_groups = false;
  bool set_uid = false;
  pid_t parent = 0;  // the runner, for the parent-death signal
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

std::optional<std::string> LookUpUserName(uid_t uid, gid_t* primary_gid) {
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(hint > 0 ? static_cast<size_t>(hint) : 16384);
  for (;;) {
    passwd pw{};
    passwd* result = nullptr;
    int rc = getpwuid_r(uid, &pw, buf.data(), buf.size(), &result);
    if (rc == ERANGE && buf.size() < (1U << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc != 0 || result == nullptr) return std::nullopt;
    *primary_gid = pw.pw_gid;
    return std::string(pw.pw_name);
  }
}

// Fills plan; on failure returns the message and sets *exit_code.
std::optional<std::string> MakePlan(const SpawnRequest& spec, SpawnPlan* plan, int* exit_code) {
  plan->parent = getpid();
  if (spec.argv.empty()) {
    *exit_code = kExitNotFound;
    return "cannot execute an empty command";
  }
  const std::string& file = spec.argv[0];
  if (file.find('/') != std::string::npos) {
    plan->candidates.push_back(file);
  } else if (!file.empty()) {
    auto path_it = spec.env.find("PATH");
    std::string path = path_it != spec.env.end() ? path_it->second : kDefaultPath;
    size_t begin = 0;
    for (;;) {
      size_t colon = path.find(':', begin);
      std::string dir =
          path.substr(begin, colon == std::string::npos ? std::string::npos : colon - begin);
      if (dir.empty()) dir = ".";
      dir += '/';
      dir += file;
      plan->candidates.push_back(std::move(dir));
      if (colon == std::string::npos) break;
      begin = colon + 1;
    }
  }
  for (const std::string& c : plan->candidates) plan->candidate_ptrs.push_back(c.c_str());

  for (const auto& [key, value] : spec.env) {
    std::string entry = key;
    entry += '=';
    entry += value;
    plan->env_strings.push_back(std::move(entry));
  }
  for (const std::string& a : spec.argv) plan->argv.push_back(const_cast<char*>(a.c_str()));
  plan->argv.push_back(nullptr);
  for (std::string& e : plan->env_strings) plan->envp.push_back(e.data());
  plan->envp.push_back(nullptr);

  if (!spec.uid && !spec.gid) return std::nullopt;
  if (geteuid() != 0) {
    bool already = (!spec.uid || *spec.uid == geteuid()) && (!spec.gid || *spec.gid == getegid());
    if (already) return std::nullopt;
    *exit_code = spec.uid ? kExitUser : kExitGroup;
    return spec.uid ? "cannot run as uid " + std::to_string(*spec.uid) + ": not running as root"
                    : "cannot run as gid " + std::to_string(*spec.gid) + ": not running as root";
  }
  plan->set_groups = true;
  std::optional<std::string> user;
  gid_t primary = 0;
  if (spec.uid) {
    plan->set_uid = true;
    plan->uid = *spec.uid;
    user = LookUpUserName(*spec.uid, &primary);
  }
  if (spec.gid) {
    plan->gid = *spec.gid;
  } else if (user) {
    plan->gid = primary;
  } else {
    *exit_code = kExitGroup;
    return "cannot run as uid " + std::to_string(*spec.uid) +
           ": no such user in the user database, and no group given";
  }
  if (user) {
    int n = 32;
    std::vector<gid_t> groups(static_cast<size_t>(n));
    while (getgrouplist(user->c_str(), plan->gid, groups.data(), &n) < 0) {
      groups.resize(static_cast<size_t>(n) + 1);
      n = static_cast<int>(groups.size());
    }
    groups.resize(static_cast<size_t>(n));
    plan->groups = std::move(groups);
  } else {
    plan->groups = {plan->gid};
  }
  return std::nullopt;
}

// Stores the failure where the parent reads it (our memory is the
// parent's until exec), then exits.
[[noreturn]] void ChildFail(volatile ChildError* out, int stage, int err, int exit_code) {
  out->stage = stage;
  out->err = err;
  _exit(exit_code);
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(const SpawnPlan& plan, const SpawnRequest& spec,
                            volatile ChildError* error) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int s = 1; s < NSIG; ++s) {
    if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, nullptr);
  }
  if (setpgid(0, 0) != 0) ChildFail(error, kStageSetup, errno, kExitSetup);
  if ((spec.stdin_fd >= 0 && dup2(spec.stdin_fd, 0) < 0) ||
      (spec.stdout_fd >= 0 && dup2(spec.stdout_fd, 1) < 0) ||
      (spec.stderr_fd >= 0 && dup2(spec.stderr_fd, 2) < 0)) {
    ChildFail(error, kStageSetup, errno, kExitSetup);
  }
  // Descriptors leaked by libraries of this process must not reach the job.
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  if (spec.inherit_fd > 2) fcntl(spec.inherit_fd, F_SETFD, 0);

  if (plan.set_groups) {
    if (syscall(SYS_setgroups, plan.groups.size(), plan.groups.data()) != 0 ||
        syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) {
      ChildFail(error, kStageGroups, errno, kExitGroup);
    }
  }
  if (plan.set_uid && syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) {
    ChildFail(error, kStageUid, errno, kExitUser);
  }
  // After the id switch, which clears it. If the runner died before this
  // line, the signal would never come: then stop here.
  if (spec.die_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
    if (getppid() != plan.parent) ChildFail(error, kStageSetup, ESRCH, kExitSetup);
  }
  // After the id switch, so the directory is checked with the job's rights.
  if (!spec.working_directory.empty() && chdir(spec.working_directory.c_str()) != 0) {
    ChildFail(error, kStageChdir, errno, kExitChdir);
  }

  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  // execvp's search, with our own environment.
  int err = 0;
  bool saw_eacces = false;
  for (size_t i = 0; i < plan.candidate_ptrs.size(); ++i) {
    execve(plan.candidate_ptrs[i], plan.argv.data(), plan.envp.data());
    int e = errno;
    if (e == EACCES) {
      saw_eacces = true;
    } else if (e != ENOENT && e != ENOTDIR && e != ESTALE && e != ENODEV && e != ETIMEDOUT) {
      err = e;
      break;
    }
  }
  if (err == 0) err = saw_eacces ? EACCES : ENOENT;
  ChildFail(error, kStageExec, err, err == ENOENT ? kExitNotFound : kExitCannotExec);
}

struct ChildArgs {
  const SpawnPlan* plan;
  const SpawnRequest* spec;
  volatile ChildError* error;  // set by the child if it fails before exec
};

int ChildMain(void* arg) {
  const auto* a = static_cast<const ChildArgs*>(arg);
  ExecChild(*a->plan, *a->spec, a->error);
}

// Starts ExecChild in a child that shares our memory until it execs (or
// exits), as posix_spawn() does. Returns the pid, or -1 with errno set.
pid_t SpawnChild(const ChildArgs& args) {
  constexpr size_t kStackSize = 256 * 1024;
  void* stack = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -1;
  // No signal handler of ours may run in the child on our memory: block
  // everything; the child resets dispositions before it unblocks.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(ChildMain, static_cast<char*>(stack) + kStackSize,
                    CLONE_VM | CLONE_VFORK | SIGCHLD, const_cast<ChildArgs*>(&args));
  const int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  munmap(stack, kStackSize);
  errno = err;
  return pid;
}

std::string DescribeChildError(const ChildError& e, const SpawnRequest& spec) {
  std::string what = SystemErrorText(e.err);
  switch (e.stage) {
    case kStageExec:
      return "cannot execute '" + spec.argv[0] + "': " + what;
    case kStageChdir:
      return "cannot change to working directory '" + spec.working_directory + "': " + what;
    case kStageGroups:
      return "cannot switch to group " + std::to_string(spec.gid.value_or(0)) + ": " + what;
    case kStageUid:
      return "cannot switch to user " + std::to_string(spec.uid.value_or(0)) + ": " + what;
    default:
      return "cannot set up the child process: " + what;
  }
}

}  // namespace

Spawned Spawn(const SpawnRequest& request) {
  Spawned out;
  SpawnPlan plan;
  if (auto error = MakePlan(request, &plan, &out.exit_code)) {
    out.error = *error;
    return out;
  }
  volatile ChildError child_error{};
  const ChildArgs child_args{&plan, &request, &child_error};
  pid_t pid = SpawnChild(child_args);
  if (pid < 0) {
    out.exit_code = kExitCannotExec;
    out.error = "cannot start a process: " + SystemErrorText(errno);
    return out;
  }
  if (child_error.stage != 0) {
    const ChildError failure{child_error.stage, child_error.err};
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    out.pid = pid;
    out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : kExitCannotExec;
    out.error = DescribeChildError(failure, request);
    return out;
  }
  out.pid = pid;
  return out;
}

}  // namespace surety
