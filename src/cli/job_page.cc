#include "cli/job_page.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>

#include "alert/alert.h"
#include "base/byte_size.h"
#include "cli/svg_chart.h"
#include "job/job_file_writer.h"
#include "store/history_store.h"
#include "time/timespan.h"
#include "time/timestamp.h"

namespace surety {

namespace {

constexpr const char* kRedacted = "(redacted)";

// To the millisecond under a minute, to the second above.
std::string DurationText(int64_t ms) {
  ms = std::max<int64_t>(ms, 0);
  return FormatTimespan(Timespan{static_cast<uint64_t>(ms) * 1000}, ms < 60000 ? 1000 : 1000000);
}

std::string SizeText(double bytes) {
  return FormatByteSize(static_cast<uint64_t>(std::max(bytes, 0.0)));
}

// What hovering over a run's marker says.
std::string RunLabel(const RunRecord& r, const std::string& what) {
  std::string label =
      FormatTimestampUtc(r.started_at) + ": " + std::string(RunResultName(r.result));
  if (!what.empty()) label += ", " + what;
  if (!IsGoodResult(r.result) && !r.message.empty()) label += " (" + r.message + ")";
  return label;
}

Chart DurationChart(const JobPage& page) {
  Chart c{"duration-chart",
          "How long each of the last runs took",
          [](double ms) { return DurationText(static_cast<int64_t>(ms)); },
          {},
          NiceDurationCeiling};
  for (auto it = page.chart.rbegin(); it != page.chart.rend(); ++it) {
    const RunRecord& r = *it;
    if (!r.finished_at) continue;                   // still running: no duration yet
    if (r.result == RunResult::kSkipped) continue;  // did nothing
    c.points.push_back({r.started_at, static_cast<double>(r.duration_ms),
                        ResultClass(std::string(RunResultName(r.result))),
                        RunLabel(r, DurationText(r.duration_ms))});
  }
  return c;
}

// Each run that verified an artifact, at its size; a run that failed
// before measuring one, as a mark on the axis; a size that shrank past
// max_shrink from the artifact before it, ringed.
Chart SizeChart(const JobPage& page) {
  Chart c{"size-chart",
          "The verified artifact's size after each of the last runs",
          SizeText,
          {},
          NiceByteCeiling};
  std::optional<uint64_t> previous;
  for (auto it = page.chart.rbegin(); it != page.chart.rend(); ++it) {
    const RunRecord& r = *it;
    if (!r.finished_at || r.result == RunResult::kSkipped || r.result == RunResult::kAlreadyDone)
      continue;
    std::string kind = ResultClass(std::string(RunResultName(r.result)));
    if (!r.artifact_size) {
      if (IsFailureResult(r.result))
        c.points.push_back({r.started_at, std::nullopt, kind, RunLabel(r, "no artifact")});
      continue;
    }
    const uint64_t size = *r.artifact_size;
    std::string what = FormatByteSize(size);
    if (page.max_shrink && previous && *previous > 0 &&
        static_cast<double>(size) < static_cast<double>(*previous) * (1.0 - *page.max_shrink)) {
      kind = "shrink";
      char pct[32];
      std::snprintf(pct, sizeof pct, "%.0f%%",
                    100.0 * (static_cast<double>(*previous) - static_cast<double>(size)) /
                        static_cast<double>(*previous));
      what += ", shrank " + std::string(pct) + " from " + FormatByteSize(*previous);
    }
    c.points.push_back({r.started_at, static_cast<double>(size), kind, RunLabel(r, what)});
    if (IsArtifactRecord(r)) previous = size;
  }
  return c;
}

// The end of an output tail, cut at a line start when one is near.
std::string TailEnd(const std::string& tail, bool& cut) {
  cut = tail.size() > kJobPageTailBytes;
  if (!cut) return tail;
  size_t from = tail.size() - kJobPageTailBytes;
  if (size_t nl = tail.find('\n', from); nl != std::string::npos && nl + 1 < tail.size())
    from = nl + 1;
  // Not in the middle of a UTF-8 sequence.
  while (from < tail.size() && (static_cast<unsigned char>(tail[from]) & 0xC0) == 0x80) ++from;
  return tail.substr(from);
}

std::string RunsTable(const JobPage& page) {
  std::string o;
  if (page.runs.empty()) {
    o += page.page == 0 ? "<p class=\"none\">No runs yet.</p>\n"
                        : "<p class=\"none\">No runs this far back.</p>\n";
  } else {
    o += "<table id=\"runs\">\n<thead><tr><th>Started</th><th>Result</th><th>Trigger</th>"
         "<th>Attempts</th><th>Duration</th><th>Exit</th><th>Artifact</th><th>Message</th>"
         "</tr></thead>\n<tbody>\n";
    for (const RunRecord& r : page.runs) {
      const std::string result(RunResultName(r.result));
      o += "<tr id=\"run-" + std::to_string(r.id) + "\" class=\"run " + ResultClass(result) + "\">";
      o += "<td>" + AbsoluteTime(r.started_at) + "</td>";
      o += "<td class=\"result " + std::string(ResultClass(result)) + "\">" + HtmlEscape(result) +
           "</td>";
      o += "<td>" + HtmlEscape(std::string(TriggerName(r.trigger))) + "</td>";
      o += "<td>" + std::to_string(r.attempts) + "</td>";
      o += "<td>" + (r.finished_at ? HtmlEscape(DurationText(r.duration_ms)) : "&mdash;") + "</td>";
      o += "<td>";
      if (r.exit_code)
        o += std::to_string(*r.exit_code);
      else if (r.signal)
        o += "SIG" + HtmlEscape(*r.signal);
      else
        o += "&mdash;";
      o += "</td><td>";
      if (r.artifact_size)
        o += "<span title=\"" + HtmlEscape(r.artifact_path) + "\">" +
             HtmlEscape(FormatByteSize(*r.artifact_size)) + "</span>";
      else
        o += "&mdash;";
      o += "</td><td>" + HtmlEscape(r.message);
      if (!r.output_tail.empty()) {
        bool cut = false;
        const std::string end = TailEnd(r.output_tail, cut);
        o += "<details><summary>output" +
             std::string(cut ? " (the last " + std::to_string(end.size()) + " bytes)" : "") +
             "</summary><pre>" + HtmlEscape(end) + "</pre></details>";
      }
      o += "</td></tr>\n";
    }
    o += "</tbody>\n</table>\n";
  }
  o += "<nav class=\"pages\">";
  const std::string self = JobPagePath(page.job.name);
  if (page.page > 0)
    o += "<a rel=\"prev\" href=\"" + HtmlEscape(self) +
         (page.page > 1 ? "?page=" + std::to_string(page.page - 1) : "") +
         "\">&larr; newer runs</a>";
  if (page.older)
    o += "<a rel=\"next\" href=\"" + HtmlEscape(self) + "?page=" + std::to_string(page.page + 1) +
         "\">older runs &rarr;</a>";
  o += "</nav>\n";
  return o;
}

std::string DeliveriesTable(const JobPage& page) {
  if (page.deliveries.empty())
    return "<p class=\"none\">No alert has been sent about this job.</p>\n";
  std::string o =
      "<table id=\"deliveries\">\n<thead><tr><th>When</th><th>Alert</th><th>Event</th>"
      "<th>Run</th><th>Outcome</th></tr></thead>\n<tbody>\n";
  for (const DeliveryNote& d : page.deliveries) {
    o += "<tr class=\"" + std::string(d.sent ? "good" : "bad") + "\"><td>" + AbsoluteTime(d.at) +
         "</td><td>" + HtmlEscape(d.alert) + "</td><td>" +
         HtmlEscape(std::string(AlertEventName(d.event))) + "</td><td>" +
         (d.run_id > 0 ? "#" + std::to_string(d.run_id) : "&mdash;") + "</td>";
    o += "<td class=\"result " + std::string(d.sent ? "good" : "bad") + "\">" +
         (d.sent ? std::string("delivered") : "not delivered: " + HtmlEscape(d.error)) +
         "</td></tr>\n";
  }
  o += "</tbody>\n</table>\n";
  return o;
}

}  // namespace

std::string JobPagePath(const std::string& job) {
  static const char* kHex = "0123456789ABCDEF";
  std::string path = "/jobs/";
  for (char ch : job) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      path += ch;
    } else {
      path += '%';
      path += kHex[c >> 4];
      path += kHex[c & 15];
    }
  }
  return path;
}

std::string RedactedDefinition(const Config& config, const std::string& job) {
  Config one;
  one.settings = config.settings;
  auto it = config.jobs.find(job);
  if (it == config.jobs.end()) return "";
  JobSpec spec = it->second;
  for (auto& [name, value] : spec.environment) value = kRedacted;
  for (const std::string& name : spec.alert)
    if (auto a = config.alerts.find(name); a != config.alerts.end()) {
      AlertSpec alert = a->second;
      // Only an inline URL is written as its value; url_file and url_env
      // are written by name.
      if (alert.url_file.empty() && alert.url_env.empty() && !alert.url.empty())
        alert.url = kRedacted;
      one.alerts.emplace(name, std::move(alert));
    }
  one.jobs.emplace(job, std::move(spec));
  return WriteJobFile(one);
}

std::string RenderJobPage(const JobPage& page) {
  const StatusPageJob& j = page.job;
  std::string o = PageHead("surety: " + j.name + " " + j.health, page.state,
                           "/state?job=" + JobPagePath(j.name).substr(6));
  o += "<p><a href=\"/\">&larr; every job</a></p>\n";
  // The service's own problems, and why this page's runs could not be read.
  std::vector<std::string> problems = page.problems;
  if (!page.history_problem.empty() &&
      std::find(problems.begin(), problems.end(), page.history_problem) == problems.end())
    problems.push_back(page.history_problem);
  o += ProblemList(problems);
  o += "<h1 id=\"job\">" + HtmlEscape(j.name) + " <span class=\"health " + HealthClass(j.health) +
       "\">" + HtmlEscape(j.health) + "</span></h1>\n";
  if (!j.detail.empty()) o += "<p class=\"detail\">" + HtmlEscape(j.detail) + "</p>\n";
  if (!j.description.empty()) o += "<p class=\"desc\">" + HtmlEscape(j.description) + "</p>\n";
  o += "<dl class=\"facts\"><dt>Schedule</dt><dd>";
  o += ScheduleHtml(j.schedule, ", ");
  o += "</dd><dt>Next run</dt><dd>" + RelativeTime(j.next, page.now) + "</dd>";
  o += "<dt>Last run</dt><dd>" + RelativeTime(j.last_start, page.now) +
       (j.last_result.empty() ? "" : " (" + HtmlEscape(j.last_result) + ")") + "</dd>";
  o += "<dt>Last success</dt><dd>" + RelativeTime(j.last_success, page.now) + "</dd></dl>\n";

  o += "<h2>Duration</h2>\n" + RenderSvgChart(DurationChart(page)) + "\n";
  o += "<h2>Artifact size</h2>\n";
  const Chart sizes = SizeChart(page);
  const bool any_size = std::any_of(sizes.points.begin(), sizes.points.end(),
                                    [](const ChartPoint& p) { return p.value.has_value(); });
  if (page.verifies_artifact || any_size)
    o += RenderSvgChart(sizes) + "\n";
  else
    o += "<p class=\"none\" id=\"size-chart\">This job verifies no artifact. Give it "
         "<code>[jobs." +
         HtmlEscape(j.name) +
         ".verify]</code> <code>path = \"…\"</code> to have each run's artifact checked and "
         "its size drawn here (docs/job-file.md).</p>\n";
  o += "<p class=\"legend\">The last " + std::to_string(kJobChartRuns) +
       " runs at most. <span class=\"good\">&#9679; worked</span><span class=\"warn\">&#9679; "
       "warning</span><span class=\"bad\">&#9679; failed</span><span class=\"bad\">&#9675; shrank "
       "past max_shrink</span></p>\n";

  o += "<h2>Runs" + (page.page > 0 ? ", page " + std::to_string(page.page + 1) : std::string()) +
       "</h2>\n";
  o += RunsTable(page);
  o += "<h2>Alerts sent</h2>\n" + DeliveriesTable(page);
  o += "<h2>Definition</h2>\n<p class=\"detail\">As surety resolved it. Environment values and "
       "alert URLs are not shown; commands are, as written: keep secrets out of them "
       "(<code>environment_file</code>, <code>url_file</code>).</p>\n";
  o += "<pre id=\"definition\">" + HtmlEscape(page.definition) + "</pre>\n";
  o += "<footer>As of " + AbsoluteTime(page.now) +
       "; refreshes itself. <a href=\"/status.json\">/status.json</a>; the whole history: "
       "<code>surety history " +
       HtmlEscape(j.name) + "</code>.</footer>\n";
  o += "</body>\n</html>\n";
  return o;
}

}  // namespace surety
