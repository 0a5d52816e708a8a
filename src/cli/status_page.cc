#include "cli/status_page.h"

#include <map>

#include "cli/job_page.h"
#include "time/timestamp.h"

namespace surety {

namespace {

// The length of the well-formed UTF-8 sequence at text[i] (RFC 3629: no
// overlong forms, no surrogates, nothing past U+10FFFF), or 0.
size_t Utf8SequenceAt(const std::string& text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b = byte(i);
  if (b < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  return n;
}

}  // namespace

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
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
        // Control characters but tab and newlines are not text HTML may hold.
        if (const auto u = static_cast<unsigned char>(c);
            (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f) {
          out += "\xEF\xBF\xBD";
          break;
        }
        if (const size_t n = Utf8SequenceAt(text, i); n > 0) {
          out.append(text, i, n);
          i += n;
          continue;
        }
        out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
    }
    ++i;
  }
  return out;
}

const char* HealthClass(const std::string& health) {
  static const std::map<std::string, const char*> kClass = {
      {"ok", "good"},      {"pending", "quiet"}, {"running", "quiet"},
      {"warning", "warn"}, {"stuck", "bad"},     {"failing", "bad"},
      {"overdue", "bad"},  {"broken", "bad"},    {"unknown", "bad"}};
  auto it = kClass.find(health);
  return it == kClass.end() ? "quiet" : it->second;
}

const char* ResultClass(const std::string& result) {
  if (result == "success" || result == "already_done") return "good";
  if (result == "warning") return "warn";
  if (result == "running" || result == "skipped") return "quiet";
  return "bad";
}

std::string RelativeTime(const std::optional<Instant>& t, Instant now) {
  if (!t) return "<span class=\"none\">&mdash;</span>";
  return "<time datetime=\"" + HtmlEscape(FormatRfc3339(*t)) + "\" title=\"" +
         HtmlEscape(FormatTimestampUtc(*t)) + "\">" + HtmlEscape(FormatRelative(*t, now)) +
         "</time>";
}

std::string AbsoluteTime(Instant t) {
  const std::string utc = HtmlEscape(FormatTimestampUtc(t));
  return "<time class=\"abs\" datetime=\"" + HtmlEscape(FormatRfc3339(t)) + "\" title=\"" + utc +
         "\">" + utc + "</time>";
}

std::string PageHead(const std::string& title, const std::string& state,
                     const std::string& state_url) {
  std::string o = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Without script, a reload every 30 s; with it, /surety.js refreshes
  // when something changed.
  o += "<noscript><meta http-equiv=\"refresh\" content=\"30\"></noscript>\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  o += "<meta name=\"surety-state\" content=\"" + HtmlEscape(state) + "\" data-url=\"" +
       HtmlEscape(state_url) + "\">\n";
  o += "<title>" + HtmlEscape(title) + "</title>\n";
  o += "<link rel=\"stylesheet\" href=\"/surety.css\">\n";
  o += "<script src=\"/surety.js\" defer></script>\n</head>\n<body>\n";
  return o;
}

std::string ProblemList(const std::vector<std::string>& problems) {
  if (problems.empty()) return "";
  std::string o = "<ul class=\"problems\">\n";
  for (const std::string& p : problems) o += "<li>" + HtmlEscape(p) + "</li>\n";
  return o + "</ul>\n";
}

std::string ScheduleHtml(const std::vector<std::string>& schedule, const char* between) {
  if (schedule.empty()) return "<span class=\"none\">by hand</span>";
  std::string o;
  for (size_t i = 0; i < schedule.size(); ++i)
    o += (i ? between : "") + std::string("<code>") + HtmlEscape(schedule[i]) + "</code>";
  return o;
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
a{color:#0550ae}
h2{font-size:1.1em;margin:1.4em 0 .4em}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:.6em 0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
svg.chart{width:100%;max-width:760px;height:auto;display:block;background:#fafafa;border:1px solid #ddd;border-radius:4px}
svg.chart .grid{stroke:#e0e0e0;stroke-width:1}
svg.chart .axis,svg.chart .empty{font-size:11px;fill:#666}
svg.chart .line{fill:none;stroke:#8c959f;stroke-width:1.5}
svg.chart .pt.good{fill:#2ea043}svg.chart .pt.warn{fill:#d4a72c}
svg.chart .pt.bad{fill:#cf222e}svg.chart .pt.shrink{fill:#fff;stroke:#cf222e;stroke-width:3}
.legend span{margin-right:1em}.legend .good{color:#0b5d1e}.legend .warn{color:#6b4e00}.legend .bad{color:#8a0010}
td.result{font-weight:600;white-space:nowrap}td.result.good{color:#0b5d1e}td.result.warn{color:#6b4e00}td.result.bad{color:#8a0010}
pre{background:#f5f5f7;padding:.6em;overflow:auto;max-height:24em;font-size:.85em;white-space:pre-wrap;word-break:break-all}
details summary{cursor:pointer;color:#0550ae}
nav.pages a{margin-right:1em}
)";
  return kCss;
}

const std::string& StatusPageScript() {
  static const std::string kJs =
      R"(// surety's status pages: local times, and a refresh when something changed.
"use strict";
function suretyLocalTimes(root) {
  const format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short"});
  for (const t of root.querySelectorAll("time.abs[datetime]")) {
    const when = new Date(t.getAttribute("datetime"));
    if (!isNaN(when)) t.textContent = format.format(when);
  }
  document.documentElement.dataset.localTimes = "1";
}
let suretyFetched = Date.now();
async function suretyPoll() {
  const meta = document.querySelector("meta[name=surety-state]");
  try {
    const from = (meta && meta.dataset.url) || "/state";
    const answer = await fetch(from, {cache: "no-store", credentials: "same-origin"});
    if (!answer.ok) return;
    const state = (await answer.text()).trim();
    // Fetched again when something changed, and once a minute for the
    // relative times.
    if (meta && state === meta.content && Date.now() - suretyFetched < 60000) return;
    const page = await fetch(location.href, {cache: "no-store", credentials: "same-origin"});
    if (!page.ok) return;
    suretyFetched = Date.now();
    const fresh = new DOMParser().parseFromString(await page.text(), "text/html");
    const freshMeta = fresh.querySelector("meta[name=surety-state]");
    if (meta && freshMeta) meta.content = freshMeta.content;
    // The output a reader opened stays open.
    const open = [];
    for (const d of document.querySelectorAll("details[open]")) {
      const holder = d.closest("[id]");
      if (holder) open.push(holder.id);
    }
    document.title = fresh.title;
    document.body.replaceWith(document.adoptNode(fresh.body));
    for (const id of open) {
      const d = document.getElementById(id)?.querySelector("details");
      if (d) d.open = true;
    }
    suretyLocalTimes(document);
    document.documentElement.dataset.refreshes =
        String(Number(document.documentElement.dataset.refreshes || 0) + 1);
  } catch (e) {
    // The server is away for a moment: the next poll tries again.
  }
}
suretyLocalTimes(document);
setInterval(suretyPoll, 3000);
)";
  return kJs;
}

std::string RenderStatusPage(const StatusPage& page) {
  std::string o;
  o += PageHead("surety: " + page.summary, page.state, "/state");
  o += "<h1>surety</h1>\n<p class=\"summary\">" + HtmlEscape(page.summary) + "</p>\n";
  o += ProblemList(page.problems);
  if (page.jobs.empty() && !page.problems.empty()) {
    o += "<p>No job can be shown until the problems above are fixed (<code>surety validate</code> "
         "says where).</p>\n";
  } else if (page.jobs.empty()) {
    o += "<p>No jobs yet. Add one with <code>surety add NAME --schedule SPEC -- CMD</code>.</p>\n";
  } else {
    o += "<table>\n<thead><tr><th>Job</th><th>Health</th><th>Schedule</th><th>Next</th>"
         "<th>Last run</th><th>Last success</th><th>Recent runs</th></tr></thead>\n<tbody>\n";
    for (const StatusPageJob& j : page.jobs) {
      o += "<tr id=\"job-" + HtmlEscape(j.name) + "\">";
      o += "<td><strong><a href=\"" + HtmlEscape(JobPagePath(j.name)) + "\">" + HtmlEscape(j.name) +
           "</a></strong>";
      if (!j.description.empty())
        o += "<br><span class=\"desc\">" + HtmlEscape(j.description) + "</span>";
      o += "</td>";
      o += "<td><span class=\"health " + std::string(HealthClass(j.health)) + "\">" +
           HtmlEscape(j.health) + "</span>";
      if (!j.detail.empty()) o += "<br><span class=\"detail\">" + HtmlEscape(j.detail) + "</span>";
      o += "</td><td>";
      o += ScheduleHtml(j.schedule, "<br>");
      o += "</td><td>" + RelativeTime(j.next, page.now) + "</td>";
      o += "<td>" + RelativeTime(j.last_start, page.now);
      if (!j.last_result.empty())
        o += "<br><span class=\"detail\">" + HtmlEscape(j.last_result) + "</span>";
      o += "</td><td>" + RelativeTime(j.last_success, page.now) + "</td>";
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
  o += "<footer>As of " + AbsoluteTime(page.now) +
       "; refreshes itself. Also: <a href=\"/status.json\">/status.json</a>, "
       "<a href=\"/metrics\">/metrics</a>, <a href=\"/healthz\">/healthz</a>.</footer>\n";
  o += "</body>\n</html>\n";
  return o;
}

}  // namespace surety
