#include "job/trust.h"

namespace surety {
namespace {

std::string Octal(uint32_t mode) {
  std::string out;
  for (int shift = 9; shift >= 0; shift -= 3) out += static_cast<char>('0' + ((mode >> shift) & 7));
  return out;
}

// What is wrong with directory `info` (named `dir`) that someone other than
// root could change its entries, with the fix. `sticky_ok`: a sticky
// directory is fine, since others cannot rename or remove root's entries.
std::optional<std::string> OthersCanChange(const std::string& dir, const FileInfo& info,
                                           bool sticky_ok) {
  if (info.uid != 0)
    return "is owned by uid " + std::to_string(info.uid) + ", not root (chown root " + dir + ")";
  if ((info.mode & 0022) && !(sticky_ok && (info.mode & 01000)))
    return std::string("is writable by ") + ((info.mode & 0002) ? "everyone" : "its group") +
           " (mode " + Octal(info.mode) + "; chmod go-w " + dir + ")";
  return std::nullopt;
}

// "owned by uid 1000" or "mode 0664": why someone but root could change it.
std::string NotRootsAlone(const FileInfo& info) {
  return info.uid != 0 ? "owned by uid " + std::to_string(info.uid) : "mode " + Octal(info.mode);
}

}  // namespace

std::vector<std::string> JobFileProblems(const std::string& path, const FileInfo& info) {
  std::vector<std::string> out;
  if (info.uid != 0)
    out.push_back("owned by uid " + std::to_string(info.uid) +
                  ", not root; surety runs as root and would run any command its owner writes "
                  "here: chown root " +
                  path);
  if (info.mode & 0022)
    out.push_back(std::string("writable by ") + ((info.mode & 0002) ? "everyone" : "its group") +
                  " (mode " + Octal(info.mode) +
                  "); surety runs as root and would run any command written here: chmod go-w " +
                  path);
  return out;
}

std::optional<std::string> JobFileDirectoryProblem(const std::string& dir, const FileInfo& info) {
  auto why = OthersCanChange(dir, info, /*sticky_ok=*/true);
  if (!why) return std::nullopt;
  return "the directory " + dir + " " + *why +
         ": its owner or group could replace this job file, and surety runs its commands as root";
}

std::optional<std::string> StateDirectoryProblem(const std::string& state_dir,
                                                 const std::string& dir, bool itself,
                                                 const FileInfo& info) {
  auto why = OthersCanChange(dir, info, /*sticky_ok=*/!itself);
  if (!why) return std::nullopt;
  return (itself ? dir : "the directory " + dir + " above " + state_dir) + " " + *why +
         ": whoever can change it can forge the run history or remove a job's lock";
}

std::optional<std::string> SecretFileProblem(const std::string& path, const FileInfo& info,
                                             bool as_root) {
  if (info.mode & 0004)
    return path + " is world-readable (mode " + Octal(info.mode) +
           "); it holds a secret: chmod o-r " + path;
  if (info.mode & 0002)
    return path + " is world-writable (mode " + Octal(info.mode) +
           "); anyone could replace the secret: chmod o-w " + path;
  if (as_root && (info.uid != 0 || (info.mode & 0020)))
    return path + " can be changed by someone other than root (" + NotRootsAlone(info) +
           "), who could then redirect the alerts: chown root " + path + " && chmod g-w " + path;
  return std::nullopt;
}

std::optional<std::string> EnvironmentFileProblem(const std::string& path, const FileInfo& info,
                                                  bool as_root) {
  if (!as_root || (info.uid == 0 && !(info.mode & 0022))) return std::nullopt;
  return path + " can be changed by someone other than root (" + NotRootsAlone(info) +
         "), who could then run code in this job as root: chown root " + path + " && chmod go-w " +
         path;
}

std::optional<std::string> ReadableEnvironmentFile(const std::string& path, const FileInfo& info) {
  if (!(info.mode & 0004)) return std::nullopt;
  return path + " is world-readable (mode " + Octal(info.mode) +
         "); it usually holds passwords: chmod o-r " + path;
}

std::optional<std::string> ReadableInlineSecret(const std::string& file, const FileInfo& info) {
  if (!(info.mode & 0004)) return std::nullopt;
  return "the URL is a secret, but " + file + " is readable by everyone (mode " + Octal(info.mode) +
         "); move it to url_file (mode 0600) or url_env, or chmod o-r " + file;
}

}  // namespace surety
