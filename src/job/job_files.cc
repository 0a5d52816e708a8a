#include "job/job_files.h"

#include <algorithm>
#include <utility>

#include "base/strings.h"
#include "job/text_scan.h"
#include "job/trust.h"

namespace surety {
namespace {

constexpr int kMaxIncludeDepth = 8;
// A job file is text a person writes: anything larger is a mistake
// (`--config /dev/sda`), and is refused before it is read.
constexpr uint64_t kMaxJobFileBytes = uint64_t{16} << 20;

}  // namespace

JobFiles::JobFiles(const FileSystem& fs, bool running_as_root, DiagnosticSink& diags)
    : fs_(fs), running_as_root_(running_as_root), diags_(diags) {}

void JobFiles::Read(const std::string& path) { Read(path, 0, nullptr); }

const FileInfo* JobFiles::InfoOf(const std::string& file) const {
  auto it = infos_.find(file);
  return it == infos_.end() ? nullptr : &it->second;
}

void JobFiles::Read(const std::string& path, int depth, const toml::source_region* from) {
  if (depth > kMaxIncludeDepth) {
    diags_.Error(from, "includes nested more than " + std::to_string(kMaxIncludeDepth) +
                           " deep at " + path + "; flatten them");
    incomplete_ = true;
    return;
  }
  auto canonical = fs_.CanonicalPath(path);
  const std::string id = canonical.ok() ? *canonical : LexicallyNormal(path);
  if (auto it = std::find(stack_.begin(), stack_.end(), id); it != stack_.end()) {
    std::string chain;
    for (auto s = stack_names_.begin() + (it - stack_.begin()); s != stack_names_.end(); ++s)
      chain += *s + " -> ";
    diags_.Error(from, "include cycle: " + chain + path +
                           " (a file may not include itself, directly or through others); "
                           "remove this include or narrow the glob");
    return;
  }
  if (!loaded_.insert(id).second) {
    // Already read: once is enough, except that a --config file named
    // again overrides what came between, as every later --config does.
    if (depth == 0)
      if (auto it = subtree_docs_.find(id); it != subtree_docs_.end())
        for (const toml::table* doc : it->second) MergeTable(root_, *doc, diags_);
    return;
  }
  auto content = fs_.ReadRegularFile(path, kMaxJobFileBytes);
  if (!content.ok()) {
    std::string why = content.status().message();
    if (content.status().code() == StatusCode::kOutOfRange)
      why += " (a job file is at most " + std::to_string(kMaxJobFileBytes >> 20) + " MiB)";
    Diagnostic d{path, 0, 0, "cannot read the job file: " + why};
    if (from)
      d = diags_.At(*from, content.status().code() == StatusCode::kNotFound
                               ? "include: no such file " + path
                               : "include: " + why);
    diags_.Error(d);
    incomplete_ = true;
    return;
  }
  CheckTrusted(path, content->info);
  infos_[path] = content->info;
  if (files_.empty()) diags_.set_fallback_file(path);
  files_.push_back(path);
  const std::string dir = DirName(path);
  auto abs_dir = fs_.CanonicalPath(dir);
  dirs_[path] = abs_dir.ok() ? *abs_dir : dir;
  CheckTrustedDirs(path, DirName(id));
  CheckTrustedDirs(path, dirs_[path]);
  if (auto bad = ScanBeforeParsing(content->data)) {
    diags_.Error(Diagnostic{path, bad->line, bad->column, bad->Message()});
    incomplete_ = true;
    return;
  }
  try {
    docs_.push_back(std::make_unique<toml::table>(toml::parse(content->data, path)));
  } catch (const toml::parse_error& e) {
    const int line = static_cast<int>(e.source().begin.line);
    diags_.Error(Diagnostic{path, line, static_cast<int>(e.source().begin.column),
                            "TOML syntax error: " + std::string(e.description()) +
                                UnquotedValueHint(LineOf(content->data, line))});
    incomplete_ = true;
    return;
  }
  const size_t first_doc = docs_.size() - 1;
  const toml::table& doc = *docs_.back();
  MergeTable(root_, doc, diags_);
  stack_.push_back(id);
  stack_names_.push_back(path);
  if (const toml::node* include = doc.get("include")) ReadIncludes(*include, dir, depth);
  stack_.pop_back();
  stack_names_.pop_back();
  std::vector<const toml::table*>& merged = subtree_docs_[id];
  for (size_t i = first_doc; i < docs_.size(); ++i) merged.push_back(docs_[i].get());
}

void JobFiles::ReadIncludes(const toml::node& include, const std::string& dir, int depth) {
  std::vector<std::pair<std::string, toml::source_region>> patterns;
  if (include.is_string()) {
    patterns.emplace_back(include.as_string()->get(), include.source());
  } else if (const toml::array* arr = include.as_array()) {
    for (const auto& el : *arr) {
      if (el.is_string())
        patterns.emplace_back(el.as_string()->get(), el.source());
      else
        diags_.Error(el.source(), "include: expected a string (a path or glob)");
    }
  } else {
    diags_.Error(include.source(), "include: expected a list of paths or globs");
  }
  for (const auto& [pattern, where] : patterns) {
    if (pattern.empty() || pattern.find('\0') != std::string::npos) {
      diags_.Error(where, "include: expected a path or glob such as \"jobs.d/*.toml\"");
      continue;
    }
    std::string full = JoinPath(dir, pattern);
    bool has_glob = pattern.find_first_of("*?[") != std::string::npos;
    if (!has_glob) {
      Read(full, depth + 1, &where);
      continue;
    }
    auto matches = fs_.Glob(full);
    if (matches.empty())
      diags_.Warn(where,
                  "include: \"" + QuoteForMessage(pattern) + "\" matches no file (" + full + ")");
    for (const auto& m : matches) Read(m, depth + 1, &where);
  }
}

// As root, a job file is a list of commands root will run: only root may
// be able to change it.
void JobFiles::CheckTrusted(const std::string& path, const FileInfo& info) {
  if (!running_as_root_) return;
  for (std::string& problem : JobFileProblems(path, info))
    diags_.Error(Diagnostic{path, 0, 0, std::move(problem)});
}

// As root, whoever can change a directory above a job file can put another
// file in its place: each directory up to / must be root's and writable by
// root alone, or sticky. Checked above the file's real path and above the
// directory it was named in (relative paths in it resolve from there).
void JobFiles::CheckTrustedDirs(const std::string& path, std::string dir) {
  if (!running_as_root_ || dir.empty() || dir.front() != '/') return;
  while (checked_dirs_.insert(dir).second) {  // once checked, so were those above it
    auto info = fs_.Stat(dir);
    if (info.ok() && info->exists) {
      if (auto why = JobFileDirectoryProblem(dir, *info))
        diags_.Error(Diagnostic{path, 0, 0, std::move(*why)});
    }
    if (dir == "/") break;
    dir = DirName(dir);
  }
}

}  // namespace surety
