// The page per job: its runs a page at a time, both charts with their
// marks, the alerts sent, the definition with its secrets redacted.
#include "cli/job_page.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "cli/svg_chart.h"
#include "job/config_loader.h"
#include "os/env.h"
#include "os/file_system.h"

namespace surety {
namespace {

Instant At(int64_t seconds) { return Instant{Micros{seconds * 1'000'000}}; }
constexpr int64_t kNow = 1796596000;

RunRecord Run(int64_t id, int64_t started, RunResult result, int64_t ms,
              std::optional<uint64_t> size) {
  RunRecord r;
  r.id = id;
  r.job = "db";
  r.trigger = Trigger::kSchedule;
  r.started_at = At(started);
  r.finished_at = At(started + ms / 1000);
  r.duration_ms = ms;
  r.attempts = 1;
  r.exit_code = IsGoodResult(result) ? 0 : 1;
  r.result = result;
  r.message = "exited with status " + std::to_string(*r.exit_code);
  r.artifact_size = size;
  if (size) r.artifact_path = "/srv/dump-" + std::to_string(id) + ".sql";
  return r;
}

JobPage Page() {
  JobPage p;
  p.now = At(kNow);
  p.state = "c0ffee";
  p.job.name = "db";
  p.job.health = "failing";
  p.job.detail = "the last run failed";
  p.job.schedule = {"daily"};
  p.max_shrink = 0.5;
  // Oldest first here, newest first on the page.
  std::vector<RunRecord> runs = {
      Run(1, kNow - 5 * 86400, RunResult::kSuccess, 60'000, 1000),
      Run(2, kNow - 4 * 86400, RunResult::kWarning, 90'000, 1100),
      Run(3, kNow - 3 * 86400, RunResult::kVerifyFailed, 20'000, 300),  // shrank 73%
      Run(4, kNow - 2 * 86400, RunResult::kFailed, 5'000, std::nullopt),
      Run(5, kNow - 1 * 86400, RunResult::kSuccess, 61'000, 1200),
  };
  runs[2].message = "the artifact shrank <73%> from 1.1K";
  runs[3].output_tail = std::string(6000, 'x') + "\nlast line <b>\n";
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    p.runs.push_back(*it);
    RunRecord brief = *it;
    brief.output_tail.clear();
    p.chart.push_back(brief);
  }
  p.definition = "[jobs.db]\ncommand = [\"pg_dump\"]\n";
  DeliveryNote sent{At(kNow - 2 * 86400), "db", 4, "ops", AlertEvent::kFailure, "k1", true, ""};
  DeliveryNote failed{At(kNow - 2 * 86400 + 60), "db", 4,     "pager",
                      AlertEvent::kFailure,      "k2", false, "HTTP 503 from the <server>"};
  p.deliveries = {failed, sent};
  return p;
}

TEST(JobPage, ShowsEachRunWithItsResultTriggerAttemptsDurationAndOutput) {
  const std::string html = RenderJobPage(Page());
  for (int id = 1; id <= 5; ++id)
    EXPECT_NE(html.find("<tr id=\"run-" + std::to_string(id) + "\""), std::string::npos) << id;
  // Newest first.
  EXPECT_LT(html.find("id=\"run-5\""), html.find("id=\"run-1\""));
  EXPECT_NE(html.find("<td class=\"result bad\">verify_failed</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td class=\"result warn\">warning</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>schedule</td><td>1</td><td>1min 30s</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>schedule</td><td>1</td><td>20s</td>"), std::string::npos);
  EXPECT_NE(html.find("the artifact shrank &lt;73%&gt; from 1.1K"), std::string::npos);
  // The end of the output, escaped, cut to kJobPageTailBytes at a line.
  EXPECT_NE(html.find("last line &lt;b&gt;"), std::string::npos);
  EXPECT_EQ(html.find(std::string(kJobPageTailBytes + 1, 'x')), std::string::npos);
  EXPECT_NE(html.find("<summary>output (the last"), std::string::npos);
  // Absolute times carry their instant for /surety.js and UTC on hover.
  EXPECT_TRUE(std::regex_search(
      html, std::regex("<time class=\"abs\" datetime=\"[0-9TZ:.+-]+\" title=\"[^\"]+ UTC\">")));
}

TEST(JobPage, DrawsBothChartsMarkingWarningsFailuresAndAShrink) {
  const std::string html = RenderJobPage(Page());
  const size_t duration = html.find("<svg id=\"duration-chart\"");
  const size_t size = html.find("<svg id=\"size-chart\"");
  ASSERT_NE(duration, std::string::npos);
  ASSERT_NE(size, std::string::npos);
  const std::string d = html.substr(duration, html.find("</svg>", duration) - duration);
  const std::string s = html.substr(size, html.find("</svg>", size) - size);
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  // Every finished run on the duration chart, by result.
  EXPECT_EQ(count(d, "<circle class=\"pt good\""), 2u) << d;
  EXPECT_EQ(count(d, "<circle class=\"pt warn\""), 1u);
  EXPECT_EQ(count(d, "<circle class=\"pt bad\""), 2u);
  // Sizes: the shrink ringed, the failed run without an artifact on the axis.
  EXPECT_EQ(count(s, "<circle class=\"pt shrink\""), 1u) << s;
  EXPECT_NE(s.find("300B, shrank 73% from 1.1K"), std::string::npos) << s;
  EXPECT_EQ(count(s, "<rect class=\"pt bad\""), 1u);
  EXPECT_EQ(count(s, "<circle class=\"pt good\""), 2u);
  EXPECT_EQ(count(s, "<circle class=\"pt warn\""), 1u);
  EXPECT_NE(s.find("<polyline"), std::string::npos);
}

TEST(JobPage, AJobThatVerifiesNoArtifactSaysHowToChartOne) {
  JobPage p = Page();
  p.verifies_artifact = false;
  for (RunRecord& r : p.chart) r.artifact_size.reset();
  const std::string html = RenderJobPage(p);
  EXPECT_EQ(html.find("<svg id=\"size-chart\""), std::string::npos);
  EXPECT_NE(html.find("This job verifies no artifact. Give it <code>[jobs.db.verify]</code>"),
            std::string::npos);
  EXPECT_NE(html.find("<svg id=\"duration-chart\""), std::string::npos);
}

TEST(JobPage, ListsTheAlertsSentAndWhetherEachArrived) {
  const std::string html = RenderJobPage(Page());
  const size_t table = html.find("<table id=\"deliveries\">");
  ASSERT_NE(table, std::string::npos);
  EXPECT_NE(html.find(">delivered</td>", table), std::string::npos);
  EXPECT_NE(html.find("not delivered: HTTP 503 from the &lt;server&gt;", table), std::string::npos);
  JobPage none = Page();
  none.deliveries.clear();
  EXPECT_NE(RenderJobPage(none).find("No alert has been sent about this job."), std::string::npos);
}

TEST(JobPage, ShowsTheServicesOwnProblemsAsTheOverviewDoes) {
  JobPage p = Page();
  p.problems = {"the history was found damaged and set aside as /x/history.db.damaged-1"};
  const std::string html = RenderJobPage(p);
  EXPECT_NE(html.find("<ul class=\"problems\">\n<li>the history was found damaged"),
            std::string::npos)
      << html;
}

TEST(JobPage, PagesLinkToNewerAndOlderRuns) {
  JobPage p = Page();
  std::string html = RenderJobPage(p);
  EXPECT_EQ(html.find("rel=\"prev\""), std::string::npos);
  EXPECT_EQ(html.find("rel=\"next\""), std::string::npos);
  p.older = true;
  p.page = 2;
  html = RenderJobPage(p);
  EXPECT_NE(html.find("<a rel=\"prev\" href=\"/jobs/db?page=1\">"), std::string::npos) << html;
  EXPECT_NE(html.find("<a rel=\"next\" href=\"/jobs/db?page=3\">"), std::string::npos);
  p.page = 1;
  EXPECT_NE(RenderJobPage(p).find("<a rel=\"prev\" href=\"/jobs/db\">"), std::string::npos);
}

TEST(JobPage, HasOneScriptFromTheServerAndNoInlineStyleOrHandler) {
  const std::string html = RenderJobPage(Page());
  EXPECT_EQ(html.find("<script"), html.rfind("<script"));
  EXPECT_NE(html.find("<script src=\"/surety.js\" defer></script>"), std::string::npos);
  // It polls its own job's state token.
  EXPECT_NE(html.find("<meta name=\"surety-state\" content=\"c0ffee\" data-url=\"/state?job=db\">"),
            std::string::npos);
  EXPECT_EQ(html.find("style="), std::string::npos);
  EXPECT_FALSE(std::regex_search(html, std::regex(" on[a-z]+=")));
  EXPECT_EQ(html.find("<b>"), std::string::npos);
}

TEST(JobPage, TheDefinitionShowsNoEnvironmentValueNorAlertUrl) {
  const std::string text = R"([settings]
state_dir = "/var/lib/surety"
[alerts.ops]
kind = "webhook"
url = "https://hooks.example/secret-path-123"
[alerts.pager]
kind = "ntfy"
url_env = "PAGER_URL"
[jobs.db]
schedule = "daily"
command = ["pg_dump", "db"]
environment = { PGPASSWORD = "hunter2-secret" }
alert = ["ops", "pager"]
[jobs.other]
schedule = "daily"
command = ["true"]
)";
  FakeFileSystem fs;
  fs.AddFile("/etc/surety/surety.toml", text, 0600);
  MapEnv env;
  env.Set("PAGER_URL", "https://ntfy.example/secret-topic");
  ZoneDb zones;
  auto local = zones.LocalFromTz(std::string(":UTC"));
  LoadContext ctx{fs, env, zones, *local, true, "host1"};
  auto loaded = LoadConfig({"/etc/surety/surety.toml"}, ctx);
  ASSERT_TRUE(loaded.config) << (loaded.errors.empty() ? "" : loaded.errors[0].ToString());
  const std::string def = RedactedDefinition(*loaded.config, "db");
  EXPECT_NE(def.find("pg_dump"), std::string::npos) << def;
  EXPECT_NE(def.find("PGPASSWORD = \"(redacted)\""), std::string::npos) << def;
  EXPECT_EQ(def.find("hunter2"), std::string::npos);
  EXPECT_EQ(def.find("secret-path"), std::string::npos);
  EXPECT_NE(def.find("url_env = \"PAGER_URL\""), std::string::npos);
  EXPECT_EQ(def.find("jobs.other"), std::string::npos) << "only this job";
  EXPECT_TRUE(RedactedDefinition(*loaded.config, "nope").empty());
}

TEST(JobPage, ItsAddressEncodesTheName) {
  EXPECT_EQ(JobPagePath("db-1.x_y"), "/jobs/db-1.x_y");
  EXPECT_EQ(JobPagePath("a b/\"c"), "/jobs/a%20b%2F%22c");
}

TEST(SvgChart, DurationsAndSizesEndAtRoundNumbersOfTheirUnits) {
  EXPECT_EQ(NiceDurationCeiling(0), 1'000);
  EXPECT_EQ(NiceDurationCeiling(400), 1'000);
  EXPECT_EQ(NiceDurationCeiling(4'000), 5'000);
  EXPECT_EQ(NiceDurationCeiling(351'000), 600'000);      // 5min 51s: 10min
  EXPECT_EQ(NiceDurationCeiling(1'000'000), 1'800'000);  // 16min 40s: 30min
  EXPECT_EQ(NiceDurationCeiling(5 * 3'600'000), 6 * 3'600'000);
  EXPECT_EQ(NiceDurationCeiling(30 * 3'600'000), 48 * 3'600'000);
  EXPECT_EQ(NiceByteCeiling(0), 1024);
  EXPECT_EQ(NiceByteCeiling(900), 1024);
  EXPECT_EQ(NiceByteCeiling(3 * 1024), 5 * 1024);
  EXPECT_EQ(NiceByteCeiling(2.03 * 1024 * 1024 * 1024), 5.0 * 1024 * 1024 * 1024);
}

TEST(SvgChart, WithoutPointsSaysSo) {
  Chart c{"c", "nothing", nullptr, {}, nullptr};
  EXPECT_NE(RenderSvgChart(c).find("no runs to show yet"), std::string::npos);
}

TEST(SvgChart, TheValueAxisEndsAtANiceNumber) {
  EXPECT_EQ(NiceCeiling(0.7), 1);
  EXPECT_EQ(NiceCeiling(1), 1);
  EXPECT_EQ(NiceCeiling(1.2), 2);
  EXPECT_EQ(NiceCeiling(3), 5);
  EXPECT_EQ(NiceCeiling(61000), 100000);
  EXPECT_EQ(NiceCeiling(0), 1);
  Chart c{
      "c", "one", [](double v) { return std::to_string(static_cast<int>(v)) + "u"; }, {}, nullptr};
  c.points.push_back({At(kNow), 3.0, "good", "<label>"});
  const std::string svg = RenderSvgChart(c);
  EXPECT_NE(svg.find(">5u</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("<title>&lt;label&gt;</title>"), std::string::npos);
  EXPECT_EQ(svg.find("<polyline"), std::string::npos) << "no line through one point";
}

}  // namespace
}  // namespace surety
