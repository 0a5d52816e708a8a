#include "cli/status_page.h"

#include <map>

#include "time/timestamp.h"

namespace surety {

namespace {

// A health's colour class and whether it asks for attention.
const char* HealthClass(const std::string& health) {
  static const std::map<std::string, const char*> kClass = {
      {"ok", "good"},   {"pending", "quiet"}, {"running", "quiet"}, {"warning", "warn"},
      {"stuck", "bad"}, {"failing", "bad"},   {"overdue", "bad"},   {"broken", "bad"}};
  auto it = kClass.find(health);
  return it == kClass.end() ? "quiet" : it->second;
}

const char* ResultClass(const std::string& result) {
  if (result == "success" || result == "already_done") return "good";
  if (result == "warning") return "warn";
  if (result == "running" || result == "skipped") return "quiet";
  return "bad";
}

// "<time datetime=… title=UTC>2h ago</time>", or an em dash.
std::string When(const std::optional<Instant>& t, Instant now) {
  if (!t) return "<span class=\"none\">&mdash;</span>";
  return "<time datetime=\"" + HtmlEscape(FormatRfc3339(*t)) + "\" title=\"" +
         HtmlEscape(FormatTimestampUtc(*t)) + "\">" + HtmlEscape(FormatRelative(*t, now)) +
         "</time>";
}

}  // namespace

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const std::string& StatusPageStylesheet() {
  static const std::string kCss =
      R"(body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1d1d1f;background:#fff}
h1{font-size:1.3em;margin:0 0 .3em}
p.summary{margin:.2em 0 1em;font-weight:600}
ul.problems{color:#a1000b}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #ddd;vertical-align:top}
th{font-weight:600;background:#f5f5f7}
.health{font-weight:700;padding:.1em .5em;border-radius:.3em;white-space:nowrap}
.health.good{background:#d8f5dd;color:#0b5d1e}
.health.warn{background:#fff1c2;color:#6b4e00}
.health.bad{background:#ffd9d9;color:#8a0010}
.health.quiet{background:#e8e8ed;color:#333}
.detail,.desc{color:#555;font-size:.92em}
code{font-size:.92em}
.strip{display:flex;gap:2px}
.strip span{display:inline-block;width:.7em;height:1.2em;border-radius:2px}
.strip .good{background:#2ea043}.strip .warn{background:#d4a72c}
.strip .bad{background:#cf222e}.strip .quiet{background:#aaa}
.none{color:#999}
footer{margin-top:1.5em;color:#666;font-size:.9em}
)";
  return kCss;
}

std::string RenderStatusPage(const StatusPage& page) {
  std::string o;
  o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  o += "<meta http-equiv=\"refresh\" content=\"30\">\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  o += "<title>surety: " + HtmlEscape(page.summary) + "</title>\n";
  o += "<link rel=\"stylesheet\" href=\"/surety.css\">\n</head>\n<body>\n";
  o += "<h1>surety</h1>\n<p class=\"summary\">" + HtmlEscape(page.summary) + "</p>\n";
  if (!page.problems.empty()) {
    o += "<ul class=\"problems\">\n";
    for (const auto& p : page.problems) o += "<li>" + HtmlEscape(p) + "</li>\n";
    o += "</ul>\n";
  }
  if (page.jobs.empty()) {
    o += "<p>No jobs yet. Add one with <code>surety add NAME --schedule SPEC -- CMD</code>.</p>\n";
  } else {
    o += "<table>\n<thead><tr><th>Job</th><th>Health</th><th>Schedule</th><th>Next</th>"
         "<th>Last run</th><th>Last success</th><th>Recent runs</th></tr></thead>\n<tbody>\n";
    for (const StatusPageJob& j : page.jobs) {
      o += "<tr id=\"job-" + HtmlEscape(j.name) + "\">";
      o += "<td><strong>" + HtmlEscape(j.name) + "</strong>";
      if (!j.description.empty())
        o += "<br><span class=\"desc\">" + HtmlEscape(j.description) + "</span>";
      o += "</td>";
      o += "<td><span class=\"health " + std::string(HealthClass(j.health)) + "\">" +
           HtmlEscape(j.health) + "</span>";
      if (!j.detail.empty()) o += "<br><span class=\"detail\">" + HtmlEscape(j.detail) + "</span>";
      o += "</td><td>";
      if (j.schedule.empty()) o += "<span class=\"none\">by hand</span>";
      for (size_t i = 0; i < j.schedule.size(); ++i)
        o += (i ? "<br>" : "") + std::string("<code>") + HtmlEscape(j.schedule[i]) + "</code>";
      o += "</td><td>" + When(j.next, page.now) + "</td>";
      o += "<td>" + When(j.last_start, page.now);
      if (!j.last_result.empty())
        o += "<br><span class=\"detail\">" + HtmlEscape(j.last_result) + "</span>";
      o += "</td><td>" + When(j.last_success, page.now) + "</td>";
      o += "<td><div class=\"strip\" aria-label=\"last runs, oldest first\">";
      for (auto it = j.recent.rbegin(); it != j.recent.rend(); ++it) {
        // The message only where it says more than "it worked": the strip
        // is most of the page's bytes over many jobs.
        const char* cls = ResultClass(it->result);
        const bool good = std::string(cls) == "good";
        o += "<span class=\"" + std::string(cls) + "\" title=\"" +
             HtmlEscape(it->result + " " + FormatTimestampUtc(it->started) +
                        (good || it->message.empty() ? "" : ": " + it->message)) +
             "\"></span>";
      }
      if (j.recent.empty()) o += "<span class=\"none\" title=\"no runs yet\"></span>";
      o += "</div></td></tr>\n";
    }
    o += "</tbody>\n</table>\n";
  }
  o += "<footer>As of <time datetime=\"" + HtmlEscape(FormatRfc3339(page.now)) + "\">" +
       HtmlEscape(FormatTimestampUtc(page.now)) +
       "</time>; reloads every 30 s. Also: <a href=\"/status.json\">/status.json</a>, "
       "<a href=\"/metrics\">/metrics</a>, <a href=\"/healthz\">/healthz</a>.</footer>\n";
  o += "</body>\n</html>\n";
  return o;
}

}  // namespace surety
