#include "base/signal_names.h"

#include <signal.h>

namespace surety {

namespace {

struct SignalEntry {
  int sig;
  const char* name;
};
constexpr SignalEntry kSignals[] = {
    {SIGHUP, "HUP"},   {SIGINT, "INT"},       {SIGQUIT, "QUIT"}, {SIGILL, "ILL"},
    {SIGTRAP, "TRAP"}, {SIGABRT, "ABRT"},     {SIGBUS, "BUS"},   {SIGFPE, "FPE"},
    {SIGKILL, "KILL"}, {SIGUSR1, "USR1"},     {SIGSEGV, "SEGV"}, {SIGUSR2, "USR2"},
    {SIGPIPE, "PIPE"}, {SIGALRM, "ALRM"},     {SIGTERM, "TERM"}, {SIGSTKFLT, "STKFLT"},
    {SIGCHLD, "CHLD"}, {SIGCONT, "CONT"},     {SIGSTOP, "STOP"}, {SIGTSTP, "TSTP"},
    {SIGTTIN, "TTIN"}, {SIGTTOU, "TTOU"},     {SIGURG, "URG"},   {SIGXCPU, "XCPU"},
    {SIGXFSZ, "XFSZ"}, {SIGVTALRM, "VTALRM"}, {SIGPROF, "PROF"}, {SIGWINCH, "WINCH"},
    {SIGIO, "IO"},     {SIGPWR, "PWR"},       {SIGSYS, "SYS"},
};

// Parses 1+ decimal digits and nothing else; -1 if not that or too large.
int ParseSmallDecimal(const std::string& s) {
  if (s.empty() || s.size() > 4) return -1;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string SignalName(int sig) {
  for (const SignalEntry& e : kSignals) {
    if (e.sig == sig) return e.name;
  }
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return "RTMIN+" + std::to_string(sig - SIGRTMIN);
  return std::to_string(sig);
}

int SignalFromName(const std::string& name) {
  std::string s = name.rfind("SIG", 0) == 0 ? name.substr(3) : name;
  for (const SignalEntry& e : kSignals) {
    if (s == e.name) return e.sig;
  }
  const int span = SIGRTMAX - SIGRTMIN;
  if (s.rfind("RTMIN", 0) == 0) {
    if (s.size() == 5) return SIGRTMIN;
    if (s[5] != '+') return 0;
    int n = ParseSmallDecimal(s.substr(6));
    return n >= 0 && n <= span ? SIGRTMIN + n : 0;
  }
  if (s.rfind("RTMAX", 0) == 0) {
    if (s.size() == 5) return SIGRTMAX;
    if (s[5] != '-') return 0;
    int n = ParseSmallDecimal(s.substr(6));
    return n >= 0 && n <= span ? SIGRTMAX - n : 0;
  }
  return 0;
}

}  // namespace surety
