// The status page: every job with its health as a word and a colour, its
// times, its strip of runs; everything escaped; no script anywhere.
#include "cli/status_page.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace surety {
namespace {

Instant At(int64_t seconds) { return Instant{Micros{seconds * 1'000'000}}; }

StatusPage Page() {
  StatusPage p;
  p.now = At(1796596000);
  p.state = "c0ffee";
  p.summary = "SURETY CRITICAL - 1 of 2 jobs at fault: db failing";
  StatusPageJob db;
  db.name = "db";
  db.description = "nightly <dump> & \"copy\"";
  db.health = "failing";
  db.detail = "the last run failed: exit 1";
  db.schedule = {"*-*-* 02:30"};
  db.next = At(1796596000 + 3600);
  db.last_start = At(1796596000 - 7200);
  db.last_result = "failed";
  db.last_success = At(1796596000 - 86400);
  db.recent = {{"failed", At(1796596000 - 7200), "pg_dump: <error>"},
               {"success", At(1796596000 - 86400), "exited with status 0"},
               {"warning", At(1796596000 - 2 * 86400), ""}};
  StatusPageJob etc;
  etc.name = "etc";
  etc.health = "ok";
  p.jobs = {db, etc};
  return p;
}

TEST(StatusPage, ShowsEveryJobWithItsHealthAsAWordAndAColour) {
  const std::string html = RenderStatusPage(Page());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<tr id=\"job-db\">"), std::string::npos);
  EXPECT_NE(html.find("<tr id=\"job-etc\">"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"health bad\">failing</span>"), std::string::npos) << html;
  EXPECT_NE(html.find("<span class=\"health good\">ok</span>"), std::string::npos);
  EXPECT_NE(html.find("<code>*-*-* 02:30</code>"), std::string::npos);
  // Relative times, the UTC time on hover, the instant for machines.
  EXPECT_NE(html.find(">1h 0min left</time>"), std::string::npos) << html;
  EXPECT_NE(html.find(">2h 0min ago</time>"), std::string::npos) << html;
  EXPECT_NE(html.find("title=\"Sun 2026-12-06 23:26:40 UTC\""), std::string::npos) << html;
  // The strip: oldest first, a colour per result.
  const size_t warn = html.find("<span class=\"warn\" title=\"warning");
  const size_t good = html.find("<span class=\"good\" title=\"success");
  const size_t bad = html.find("<span class=\"bad\" title=\"failed");
  ASSERT_NE(warn, std::string::npos);
  EXPECT_LT(warn, good);
  EXPECT_LT(good, bad);
  // Without script, a reload every 30 s; with it, /surety.js, which
  // polls the state token the page carries.
  EXPECT_NE(html.find("<noscript><meta http-equiv=\"refresh\" content=\"30\"></noscript>"),
            std::string::npos);
  EXPECT_NE(html.find("<script src=\"/surety.js\" defer></script>"), std::string::npos);
  EXPECT_NE(html.find("<meta name=\"surety-state\" content=\"c0ffee\" data-url=\"/state\">"),
            std::string::npos);
  // Each job links to its page.
  EXPECT_NE(html.find("<a href=\"/jobs/db\">db</a>"), std::string::npos);
}

TEST(StatusPage, EscapesEveryValueAndHasNoScript) {
  const std::string html = RenderStatusPage(Page());
  EXPECT_NE(html.find("nightly &lt;dump&gt; &amp; &quot;copy&quot;"), std::string::npos) << html;
  EXPECT_NE(html.find("pg_dump: &lt;error&gt;"), std::string::npos);
  // A success says no more than that on hover: the strip is most of the
  // page's bytes over many jobs.
  EXPECT_EQ(html.find("exited with status 0"), std::string::npos);
  EXPECT_EQ(html.find("<dump>"), std::string::npos);
  // One script, from the server, nothing inline (the CSP allows no more).
  EXPECT_EQ(html.find("<script"), html.rfind("<script"));
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("style="), std::string::npos) << "no inline style: the CSP forbids it";
  EXPECT_FALSE(std::regex_search(html, std::regex(" on[a-z]+="))) << "no inline event handler";
  EXPECT_EQ(HtmlEscape("<a href='x'>&</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
}

TEST(StatusPage, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  EXPECT_EQ(HtmlEscape("ok \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x92\xBE"),
            "ok \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x92\xBE");
  EXPECT_EQ(HtmlEscape("a\xFF\xFE"
                       "b"),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(HtmlEscape("cut \xE2\x82"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(HtmlEscape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(HtmlEscape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

TEST(StatusPage, ControlCharactersButTabAndNewlinesBecomeReplacementCharacters) {
  EXPECT_EQ(HtmlEscape(std::string("a\0b\x1b[31mc\x7f\td\r\n", 14)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD[31mc\xEF\xBF\xBD\td\r\n");
}

TEST(StatusPage, WithNoJobsSaysHowToAddOne) {
  StatusPage p;
  p.now = At(1796596000);
  p.summary = "SURETY OK - 0 jobs OK";
  const std::string html = RenderStatusPage(p);
  EXPECT_NE(html.find("surety add NAME --schedule SPEC -- CMD"), std::string::npos);
  // A job file with errors shows no job: not "no jobs yet".
  p.problems = {"the job file has errors: surety.toml:3:1: expected ']'"};
  const std::string broken = RenderStatusPage(p);
  EXPECT_EQ(broken.find("No jobs yet"), std::string::npos);
  EXPECT_NE(broken.find("No job can be shown until the problems above are fixed"),
            std::string::npos);
}

}  // namespace
}  // namespace surety
