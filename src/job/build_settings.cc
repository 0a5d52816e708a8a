#include "job/build_settings.h"

#include <set>
#include <string>

#include "job/trust.h"
#include "os/file_system.h"

namespace surety {
namespace {

// As root, the state directory holds the history and the job locks:
// whoever can change it can forge runs or remove a lock and overlap a
// job. It must be root's alone, and so must the directories above it.
void CheckStateDir(const MNode* settings, const std::string& state_dir, const BuildContext& b) {
  if (!b.load.running_as_root || state_dir.empty() || state_dir.front() != '/') return;
  const toml::node* n = settings ? b.values.Leaf(settings, "state_dir", "settings") : nullptr;
  auto report = [&](const std::string& text) {
    if (n)
      b.diags.Error(n->source(), "settings.state_dir: " + text);
    else
      b.diags.Error(Diagnostic{"", 0, 0, "state_dir: " + text});
  };
  std::set<std::string> seen;
  auto check_chain = [&](const std::string& path) {
    for (std::string dir = path;; dir = DirName(dir)) {
      const bool itself = dir == path;
      auto info = b.load.fs.Stat(dir);
      if (info.ok() && info->exists && seen.insert(dir).second) {
        if (auto why = StateDirectoryProblem(state_dir, dir, itself, *info)) report(*why);
      }
      if (dir == "/" || dir == ".") break;
    }
  };
  check_chain(state_dir);
  // Through a symlink, the directories above the real one count too:
  // their owner could point the link elsewhere by renaming.
  std::string existing = state_dir, rest;
  while (existing != "/" && existing != ".") {
    auto info = b.load.fs.Stat(existing);
    if (info.ok() && info->exists) break;
    const std::string parent = DirName(existing);
    rest =
        existing.substr(parent == "/" ? 1 : parent.size() + 1) + (rest.empty() ? "" : "/" + rest);
    existing = parent;
  }
  if (auto real = b.load.fs.CanonicalPath(existing); real.ok()) {
    const std::string resolved = rest.empty() ? *real : JoinPath(*real, rest);
    if (resolved != LexicallyNormal(state_dir)) check_chain(resolved);
  }
}

}  // namespace

Settings BuildSettings(const MNode& root, const BuildContext& b) {
  Settings out;
  const MNode* settings = b.values.Child(root, "settings", true);
  if (const MNode* s = settings) {
    b.values.CheckKeys(*s, {"state_dir", "host", "max_running"}, "settings");
    out.state_dir = b.values.Path(s, "state_dir", "settings").value_or("");
    out.host = b.values.String(s, "host", "settings").value_or("");
    if (auto n = b.values.Int(s, "max_running", "settings", 1, 100000))
      out.max_running = static_cast<int>(*n);
  }
  if (out.state_dir.empty()) out.state_dir = DefaultStateDir(b.load.env, b.load.running_as_root);
  CheckStateDir(settings, out.state_dir, b);
  if (out.host.empty()) out.host = b.load.hostname;
  return out;
}

}  // namespace surety
