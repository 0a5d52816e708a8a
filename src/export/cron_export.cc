#include "export/cron_export.h"

#include <map>
#include <sstream>

#include "export/systemd_units.h"
#include "time/cron.h"

namespace surety {

namespace {

std::string RunCommand(const std::vector<std::string>& configs, const std::string& binary,
                       const std::string& job) {
  std::string c = ShellWord(binary);
  for (const auto& f : configs) c += " --config " + ShellWord(f);
  return c + " run " + ShellWord(job) + " --trigger=schedule";
}

// A crontab's command field: cron turns an unescaped % into a newline.
std::string CronEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += '\\';
    out += c;
  }
  return out;
}

std::string Refuse(const JobSpec& job, const std::string& why) {
  return "job " + job.name + ": " + why;
}

// A YAML double-quoted scalar (JSON's string syntax, which YAML reads).
std::string Q(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static const char* hex = "0123456789abcdef";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// A Kubernetes object name: lower case letters, digits and '-'.
std::string K8sName(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out += ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  while (!out.empty() && out.front() == '-') out.erase(0, 1);
  return out;
}

uint64_t Seconds(Timespan t) { return (t.usec + 999'999) / 1'000'000; }

}  // namespace

std::string ShellWord(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of(
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789_-./=:@+,") == std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

Result<CronJobLines> CronLinesFor(const JobSpec& job, const CronTarget& target) {
  CronJobLines out;
  out.job = job.name;
  const std::string run = RunCommand(target.configs, target.surety_binary, job.name);
  if (job.randomized_delay.usec) {
    if (!target.allow_approximate)
      return Status::Invalid(
          Refuse(job, "randomized_delay = " + FormatTimespan(job.randomized_delay) +
                          " has no cron equivalent (cron starts on the minute); "
                          "--allow-approximate drops the delay"));
    out.approximations.push_back("randomized_delay " + FormatTimespan(job.randomized_delay) +
                                 " dropped: it starts at the beginning of its window");
  }
  if (job.persistent && !job.schedule.empty() && !target.catches_up) {
    if (!target.allow_approximate)
      return Status::Invalid(Refuse(job,
                                    "persistent = true: cron does not run what it missed "
                                    "while the machine was off; export systemd, or run "
                                    "surety daemon; --allow-approximate drops the catch-up"));
    out.approximations.emplace_back(
        "persistent dropped: a run missed while the machine was off is "
        "not caught up");
  }
  if (job.interval) {
    return Status::Invalid(Refuse(job, "interval = " + FormatTimespan(*job.interval) +
                                           " counts from the job's last run, which cron cannot; "
                                           "write a schedule instead"));
  }
  bool first_zone = true;
  for (size_t i = 0; i < job.schedule.size(); ++i) {
    auto cron = CalendarToCron(job.schedule[i]);
    if (!cron.ok())
      return Status::Invalid(Refuse(
          job, "schedule `" + job.schedule_text[i] + "`: " + std::string(cron.status().message())));
    if (!first_zone && cron->zone != out.zone)
      return Status::Invalid(
          Refuse(job, "its schedules are in several zones (" +
                          (out.zone.empty() ? std::string("local") : out.zone) + ", " +
                          (cron->zone.empty() ? std::string("local") : cron->zone) +
                          "), and a crontab has one CRON_TZ per line group; split the job"));
    out.zone = cron->zone;
    first_zone = false;
    std::string command = run;
    if (!cron->weekdays.empty()) {
      // Cron would run on the day of the month OR the weekday; the weekday
      // is tested here, in the schedule's zone.
      const std::string tz = out.zone.empty() ? "" : "TZ=" + ShellWord(out.zone) + " ";
      command = "[ -n \"$(" + tz + "date +%u | grep -x '[" + cron->weekdays + "]')\" ] && " + run;
    }
    out.fields.push_back(cron->fields);
    out.commands.push_back(command);
  }
  if (job.on_boot && job.on_startup && job.on_boot->usec != job.on_startup->usec)
    return Status::Invalid(Refuse(job,
                                  "on_boot and on_startup differ, and cron has one @reboot; "
                                  "keep one"));
  for (const auto& boot : {job.on_boot, job.on_startup}) {
    if (!boot) continue;
    const uint64_t s = Seconds(*boot);
    out.fields.emplace_back("@reboot");
    out.commands.push_back(s ? "sleep " + std::to_string(s) + " && " + run : run);
    break;  // on_startup is the same moment as on_boot to cron
  }
  return out;
}

std::string FormatCrontab(const std::vector<CronJobLines>& jobs, const CronTarget& target,
                          const std::string& source) {
  std::ostringstream o;
  o << "# Made by `surety export cron` from " << source << ".\n";
  o << "# Each line runs `surety run`, which records the run, retries, verifies and\n";
  o << "# alerts; cron's own mail is not needed (MAILTO=\"\").\n";
  o << "SHELL=/bin/sh\nMAILTO=\"\"\n";
  std::map<std::string, std::vector<const CronJobLines*>> by_zone;
  for (const auto& j : jobs) by_zone[j.zone].push_back(&j);
  for (const auto& [zone, list] : by_zone) {  // "" (local) sorts first
    if (!zone.empty())
      o << "\n# Needs a cron that reads CRON_TZ (cronie, busybox crond does not).\nCRON_TZ=" << zone
        << "\n";
    for (const CronJobLines* j : list) {
      o << "\n# " << j->job << "\n";
      for (const auto& a : j->approximations) o << "# approximated: " << a << "\n";
      for (size_t i = 0; i < j->fields.size(); ++i)
        o << j->fields[i] << (target.system ? " root " : " ") << CronEscape(j->commands[i]) << "\n";
    }
  }
  return o.str();
}

Result<std::string> KubernetesManifests(const Config& config, const std::vector<std::string>& jobs,
                                        const std::string& job_file, const KubernetesTarget& t) {
  std::ostringstream o;
  const std::string ns = t.namespace_name;
  auto meta = [&](const std::string& name, const std::string& job) {
    o << "metadata:\n  name: " << Q(name) << "\n  namespace: " << Q(ns) << "\n";
    o << "  labels:\n    app.kubernetes.io/name: surety\n";
    if (!job.empty())
      o << "    surety/job: " << Q(K8sName(job)) << "\n  annotations:\n    surety/job: " << Q(job)
        << "\n";
  };
  o << "# Made by `surety export kubernetes`. The history lives on the claim " << t.state_claim
    << ";\n# the Deployment surety-serve exposes its /metrics for Prometheus.\n";
  // A Secret, not a ConfigMap: the job file may hold inline alert URLs and
  // environment values.
  o << "apiVersion: v1\nkind: Secret\n";
  meta("surety-job-file", "");
  o << "type: Opaque\nstringData:\n  surety.toml: |\n";
  std::istringstream file_lines(job_file);
  for (std::string line; std::getline(file_lines, line);)
    o << (line.empty() ? "" : "    ") << line << "\n";
  o << "---\napiVersion: v1\nkind: PersistentVolumeClaim\n";
  meta(t.state_claim, "");
  o << "spec:\n  accessModes: [\"ReadWriteMany\"]\n  resources:\n    requests:\n"
       "      storage: \"1Gi\"\n";

  const std::string volumes =
      "          volumes:\n"
      "            - name: job-file\n"
      "              secret:\n"
      "                secretName: \"surety-job-file\"\n"
      "            - name: state\n"
      "              persistentVolumeClaim:\n"
      "                claimName: " +
      Q(t.state_claim) + "\n";
  const std::string mounts =
      "              volumeMounts:\n"
      "                - name: job-file\n"
      "                  mountPath: \"/etc/surety\"\n"
      "                  readOnly: true\n"
      "                - name: state\n"
      "                  mountPath: \"/var/lib/surety\"\n";

  std::map<std::string, std::string> object_names;  // CronJob name -> job
  for (const auto& name : jobs) {
    const JobSpec& job = config.jobs.at(name);
    if (job.schedule.empty() && !job.interval && !job.on_boot && !job.on_startup) continue;
    const std::string object = K8sName(name);
    if (object.empty() || object.size() > 52 - 7)
      return Status::Invalid("job " + name +
                             ": a CronJob name (surety-NAME, lower case) may have at most 52 "
                             "characters; shorten the job's name");
    if (auto [it, fresh] = object_names.emplace(object, name); !fresh)
      return Status::Invalid("jobs " + it->second + " and " + name +
                             " both become the CronJob surety-" + object +
                             " (names are lower case, other characters '-'); rename one");
    if (job.on_boot || job.on_startup)
      return Status::Invalid("job " + name +
                             ": on_boot/on_startup have no meaning in a cluster (no boot); "
                             "give the job a schedule");
    CronTarget ct;
    ct.surety_binary = "surety";
    ct.allow_approximate = t.allow_approximate;
    ct.catches_up = true;  // startingDeadlineSeconds
    auto lines = CronLinesFor(job, ct);
    if (!lines.ok()) return lines.status();
    if (lines->fields.size() != 1)
      return Status::Invalid("job " + name + ": a CronJob has one schedule and this job has " +
                             std::to_string(lines->fields.size()) + "; split the job");
    for (const auto& c : lines->commands)
      if (c.rfind("[ -n", 0) == 0)
        return Status::Invalid("job " + name + ": schedule `" + job.schedule_text[0] +
                               "` restricts both the day of the month and the weekday, which a "
                               "CronJob would OR; restrict one");
    o << "---\napiVersion: batch/v1\nkind: CronJob\n";
    meta("surety-" + K8sName(name), name);
    o << "spec:\n";
    o << "  schedule: " << Q(lines->fields[0]) << "\n";
    if (!lines->zone.empty())
      o << "  timeZone: " << Q(lines->zone == "UTC" ? "Etc/UTC" : lines->zone) << "\n";
    for (const auto& a : lines->approximations) o << "  # approximated: " << a << "\n";
    o << "  concurrencyPolicy: "
      << (job.overlap == Overlap::kSkip ? "Forbid" : "Allow  # overlap = wait: surety's lock waits")
      << "\n";
    // How late a missed start may still run: persistent catches up within
    // a day; otherwise only within the timer's accuracy (at least a minute).
    const uint64_t deadline =
        job.persistent ? 86400 : std::max<uint64_t>(60, Seconds(job.accuracy));
    o << "  startingDeadlineSeconds: " << deadline << "\n";
    o << "  successfulJobsHistoryLimit: 3\n  failedJobsHistoryLimit: 3\n";
    o << "  jobTemplate:\n    spec:\n";
    o << "      backoffLimit: 0  # retries are surety's (retries = " << job.retries << ")\n";
    const Timespan limit = ServiceTimeout(job);
    if (!limit.infinite()) o << "      activeDeadlineSeconds: " << Seconds(limit) << "\n";
    o << "      template:\n        metadata:\n          labels:\n"
         "            app.kubernetes.io/name: surety\n            surety/job: "
      << Q(K8sName(name)) << "\n";
    o << "        spec:\n          restartPolicy: Never\n";
    o << "          containers:\n            - name: surety\n              image: " << Q(t.image)
      << "\n";
    o << "              args: [\"--config\", \"/etc/surety/surety.toml\", \"run\", " << Q(name)
      << ", \"--trigger=schedule\"]\n";
    o << mounts;
    o << volumes;
  }

  // The dead-man's switch: metrics of the shared history for Prometheus.
  o << "---\napiVersion: apps/v1\nkind: Deployment\n";
  meta("surety-serve", "");
  o << "spec:\n  replicas: 1\n  selector:\n    matchLabels:\n"
       "      app.kubernetes.io/component: surety-serve\n";
  o << "  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: surety\n"
       "        app.kubernetes.io/component: surety-serve\n";
  o << "    spec:\n      containers:\n        - name: surety\n          image: " << Q(t.image)
    << "\n";
  o << "          args: [\"--config\", \"/etc/surety/surety.toml\", \"serve\", "
       "\"0.0.0.0:9724\", \"--token-file\", \"/etc/surety-token/token\"]\n";
  o << "          ports:\n            - containerPort: 9724\n              name: metrics\n";
  o << "          volumeMounts:\n            - name: job-file\n              mountPath: "
       "\"/etc/surety\"\n              readOnly: true\n            - name: state\n"
       "              mountPath: \"/var/lib/surety\"\n            - name: token\n"
       "              mountPath: \"/etc/surety-token\"\n              readOnly: true\n";
  o << "      volumes:\n        - name: job-file\n          secret:\n"
       "            secretName: \"surety-job-file\"\n        - name: state\n"
       "          persistentVolumeClaim:\n            claimName: "
    << Q(t.state_claim)
    << "\n        - name: token\n          secret:\n            secretName: \"surety-token\"\n"
       "            defaultMode: 0400\n";
  o << "---\napiVersion: v1\nkind: Service\n";
  meta("surety-serve", "");
  o << "spec:\n  selector:\n    app.kubernetes.io/component: surety-serve\n  ports:\n"
       "    - name: metrics\n      port: 9724\n      targetPort: 9724\n";
  return o.str();
}

}  // namespace surety
