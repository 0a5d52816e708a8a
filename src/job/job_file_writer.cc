#include "job/job_file_writer.h"

#include <sstream>
#include <utility>

#include "base/signal_names.h"
#include "job/toml.h"
#include "time/timespan.h"

namespace surety {

namespace {

std::string Span(Timespan t) { return t.infinite() ? "infinity" : FormatTimespan(t); }

toml::array Strings(const std::vector<std::string>& list) {
  toml::array a;
  for (const auto& s : list) a.push_back(s);
  return a;
}

// A command as the job file writes it: a shell command as its text, a
// list as its argv.
void PutCommand(toml::table& t, const char* key, const Command& c) {
  if (c.empty()) return;
  if (c.shell && c.argv.size() == 3)
    t.insert(key, c.argv[2]);
  else
    t.insert(key, Strings(c.argv));
}

void PutExitSet(toml::table& t, const char* key, const ExitStatusSet& set) {
  if (set.empty()) return;
  toml::array a;
  for (int code : set.codes) a.push_back(static_cast<int64_t>(code));
  for (int sig : set.signals) a.push_back("SIG" + SignalName(sig));
  t.insert(key, std::move(a));
}

toml::table JobTable(const JobSpec& j) {
  toml::table t;
  if (!j.description.empty()) t.insert("description", j.description);
  PutCommand(t, "command", j.command);
  if (!j.schedule_text.empty()) t.insert("schedule", Strings(j.schedule_text));
  t.insert("persistent", j.persistent);
  t.insert("randomized_delay", Span(j.randomized_delay));
  t.insert("fixed_random_delay", j.fixed_random_delay);
  t.insert("accuracy", Span(j.accuracy));
  if (j.on_boot) t.insert("on_boot", Span(*j.on_boot));
  if (j.on_startup) t.insert("on_startup", Span(*j.on_startup));
  if (j.interval) {
    t.insert("interval", Span(*j.interval));
    t.insert("interval_from", j.interval_from == IntervalFrom::kFinish ? "finish" : "start");
  }
  t.insert("timeout", Span(j.timeout));
  t.insert("kill_grace", Span(j.kill_grace));
  if (j.overlap == Overlap::kWait) {
    t.insert("overlap", "wait");
    t.insert("lock_wait", Span(j.lock_wait));
  } else {
    t.insert("overlap", "skip");
  }
  t.insert("retries", static_cast<int64_t>(j.retries));
  if (j.retries > 0) {
    t.insert("retry_delay", Span(j.retry_delay));
    t.insert("retry_backoff", j.retry_backoff);
    t.insert("retry_delay_max", Span(j.retry_delay_max));
  }
  PutExitSet(t, "success_exit_status", j.success_exit_status);
  PutExitSet(t, "warning_exit_status", j.warning_exit_status);
  PutExitSet(t, "already_done_exit_status", j.already_done_exit_status);
  if (!j.already_done_output.empty()) t.insert("already_done_output", j.already_done_output);
  if (!j.environment.empty()) {
    toml::table env;
    for (const auto& [k, v] : j.environment) env.insert(k, v);
    t.insert("environment", std::move(env));
  }
  if (!j.environment_file.empty()) t.insert("environment_file", j.environment_file);
  if (!j.working_directory.empty()) t.insert("working_directory", j.working_directory);
  if (!j.user.empty()) t.insert("user", j.user);
  if (!j.group.empty()) t.insert("group", j.group);
  if (j.grace) t.insert("grace", Span(*j.grace));
  t.insert("repeat", Span(j.repeat));
  t.insert("alert_warnings", j.alert_warnings);
  t.insert("alert", Strings(j.alert));
  t.insert("keep_runs", static_cast<int64_t>(j.keep_runs));
  if (!j.preflight.empty()) {
    const PreflightSpec& p = j.preflight;
    toml::table pt;
    if (p.free_space) {
      toml::table fs;
      fs.insert("path", p.free_space->path);
      fs.insert("min", static_cast<int64_t>(p.free_space->min_bytes));
      pt.insert("free_space", std::move(fs));
    }
    if (!p.reachable.empty()) pt.insert("reachable", Strings(p.reachable));
    if (!p.files.empty()) pt.insert("files", Strings(p.files));
    PutCommand(pt, "command", p.command);
    pt.insert("wait", Span(p.wait));
    t.insert("preflight", std::move(pt));
  }
  if (!j.verify.empty()) {
    const VerifySpec& v = j.verify;
    toml::table vt;
    if (!v.path.empty()) vt.insert("path", v.path);
    if (v.min_size) vt.insert("min_size", static_cast<int64_t>(*v.min_size));
    vt.insert("fresh", v.fresh);
    if (v.max_shrink) vt.insert("max_shrink", *v.max_shrink);
    PutCommand(vt, "command", v.command);
    t.insert("verify", std::move(vt));
  }
  if (!j.sandbox.empty()) {
    const SandboxSpec& s = j.sandbox;
    toml::table st;
    if (!s.write.empty()) st.insert("write", Strings(s.write));
    st.insert("read_home", s.read_home);
    st.insert("read_any_file", s.read_any_file);
    st.insert("network", s.network);
    st.insert("devices", s.devices);
    st.insert("docker", s.docker);
    st.insert("write_execute", s.write_execute);
    st.insert("resources", s.resources);
    if (!s.capabilities.empty()) st.insert("capabilities", Strings(s.capabilities));
    t.insert("sandbox", std::move(st));
  }
  return t;
}

toml::table AlertTable(const AlertSpec& a) {
  toml::table t;
  t.insert("kind", std::string(AlertKindName(a.kind)));
  if (AlertKindPostsToUrl(a.kind)) {
    if (!a.url_file.empty())
      t.insert("url_file", a.url_file);
    else if (!a.url_env.empty())
      t.insert("url_env", a.url_env);
    else
      t.insert("url", a.url);
  }
  if (!a.to.empty()) t.insert("to", a.to);
  if (!a.from.empty()) t.insert("from", a.from);
  PutCommand(t, "command", a.command);
  if (a.kind == AlertKind::kEmail) t.insert("sendmail", a.sendmail);
  return t;
}

}  // namespace

std::string TomlString(std::string_view text) {
  // No literal, multi-line or bare forms: always "…" on one line.
  const toml::value<std::string> value{std::string(text)};
  std::ostringstream out;
  out << toml::toml_formatter(value, toml::format_flags::allow_unicode_strings);
  return out.str();
}

std::string WriteJobFile(const Config& config) {
  toml::table root;
  toml::table settings;
  settings.insert("state_dir", config.settings.state_dir);
  settings.insert("host", config.settings.host);
  if (config.settings.max_running > 0)
    settings.insert("max_running", static_cast<int64_t>(config.settings.max_running));
  root.insert("settings", std::move(settings));
  if (!config.alerts.empty()) {
    toml::table alerts;
    for (const auto& [name, a] : config.alerts) alerts.insert(name, AlertTable(a));
    root.insert("alerts", std::move(alerts));
  }
  toml::table jobs;
  for (const auto& [name, j] : config.jobs) jobs.insert(name, JobTable(j));
  root.insert("jobs", std::move(jobs));
  std::ostringstream out;
  out << "# The job set as surety resolved it: [defaults] applied, every value explicit.\n"
      << "# Written by surety; edits are not read back into the job file.\n\n"
      // No multi-line or literal strings: toml++ writes a string that starts
      // with a newline as '''\n...''', whose first newline a reader drops.
      << toml::toml_formatter(
             root, toml::format_flags::allow_unicode_strings | toml::format_flags::indentation)
      << '\n';
  return out.str();
}

}  // namespace surety
