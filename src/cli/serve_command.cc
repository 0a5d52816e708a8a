#include "cli/serve_command.h"

#include <charconv>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

#include "base/strings.h"
#include "cli/job_load.h"
#include "cli/status_page.h"
#include "os/log.h"
#include "os/stop_signal.h"
#include "os/system.h"

namespace surety {

namespace {

constexpr size_t kMinTokenLength = 16;

}  // namespace

std::vector<std::pair<std::string, std::string>> ServeHeaders() {
  // Nothing here is to be framed, sniffed into another type, cached or
  // given a script.
  return {{"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          // The status pages: their stylesheet and one script from here, nothing
          // inline, no other origin.
          {"Content-Security-Policy",
           "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
           "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"},
          {"Referrer-Policy", "no-referrer"},
          {"Cache-Control", "no-store"}};
}

namespace {

HttpResponse Text(int status, std::string body) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body), {}};
}

constexpr const char* kIndex =
    "surety serves every job's health:\n"
    "  /             the status page (HTML)\n"
    "  /jobs/NAME    a job's page: its runs (?page=N for older ones), charts, alerts\n"
    "  /state        a token that changes when the page would (what /surety.js polls);\n"
    "                /state?job=NAME the same for a job's page\n"
    "  /metrics      Prometheus text exposition (docs/metrics.md)\n"
    "  /status.json  what 'surety check --json' prints\n"
    "  /healthz      200 when surety itself works (job file, history, daemon), else 503\n";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

bool LoopbackHost(std::string_view host) {
  // Drop the port: after the bracket of an IPv6 literal, or after the
  // one colon of a name or an IPv4 address.
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    host = host.substr(0, close + 1);
    return host == "[::1]";
  }
  if (const size_t colon = host.find(':'); colon != std::string_view::npos) {
    if (host.find(':', colon + 1) != std::string_view::npos) return false;
    host = host.substr(0, colon);
  }
  if (host.size() == 9 && StartsWithIgnoreCase(host, "localhost")) return true;
  // 127.0.0.0/8, as four decimal numbers.
  int parts = 0;
  size_t at = 0;
  while (at <= host.size()) {
    size_t dot = host.find('.', at);
    if (dot == std::string_view::npos) dot = host.size();
    const std::string_view part = host.substr(at, dot - at);
    int value = -1;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || part.size() > 3 || ec != std::errc() || end != part.data() + part.size() ||
        value > 255 || (parts == 0 && value != 127))
      return false;
    ++parts;
    at = dot + 1;
  }
  return parts == 4;
}

Result<std::string> ReadTokenFile(const std::string& path, Services& sv) {
  if (path.empty()) return Status::Invalid("--token-file: give a file name");
  auto file = sv.fs->ReadRegularFile(path, 4096);
  if (!file.ok()) return Status::Invalid("--token-file: " + file.status().message());
  if ((file->info.mode & 077) != 0)
    return Status::Invalid("--token-file: " + path +
                           " can be read by others than its owner; chmod 600 it");
  std::string token = file->data.substr(0, file->data.find('\n'));
  while (!token.empty() && IsSpace(token.back())) token.pop_back();
  token.erase(0, std::min(token.size(), token.find_first_not_of(" \t")));
  for (char c : token)
    if (c < 0x21 || c > 0x7e)
      return Status::Invalid("--token-file: " + path +
                             " holds a token with a space or a byte that is not printable "
                             "ASCII; give letters, digits and punctuation only");
  if (token.size() < kMinTokenLength)
    return Status::Invalid("--token-file: " + path + " holds a token of " +
                           std::to_string(token.size()) + " characters; give at least " +
                           std::to_string(kMinTokenLength) +
                           " (e.g. head -c 24 /dev/urandom | base64 > " + path + ")");
  return token;
}

ServeHandler::ServeHandler(Take take, const Clock& clock, std::optional<std::string> token,
                           Micros max_age, TakeJob take_job)
    : take_(std::move(take)),
      take_job_(std::move(take_job)),
      clock_(clock),
      token_(std::move(token)),
      max_age_(max_age) {}

// One job page made at a time (the others wait: each is a read of the job
// file and of one page of history, bounded, and a job page is not what
// monitoring polls); each kept for max_age, the last kJobPagesKept.
Result<std::string> ServeHandler::JobPageOf(const std::string& job, int page) {
  std::lock_guard<std::mutex> lock(job_mu_);
  const Micros now = clock_.Monotonic();
  const auto key = std::make_pair(job, page);
  if (auto it = kept_.find(key); it != kept_.end() && now - it->second.at < max_age_)
    return it->second.html;
  Result<std::string> html = take_job_(job, page);
  if (kept_.size() >= kJobPagesKept) {
    for (auto it = kept_.begin(); it != kept_.end();)
      it = now - it->second.at >= max_age_ ? kept_.erase(it) : std::next(it);
    if (kept_.size() >= kJobPagesKept) kept_.clear();
  }
  kept_.insert_or_assign(key, KeptPage{now, html});
  return html;
}

bool ServeHandler::LocalHost(const HttpRequest& request) {
  auto host = request.headers.find("host");
  return host == request.headers.end() || LoopbackHost(host->second);
}

bool ServeHandler::Authorized(const HttpRequest& request) const {
  if (!token_) return true;
  auto it = request.headers.find("authorization");
  if (it == request.headers.end()) return false;
  // "Bearer TOKEN": the scheme in any case, then one or more spaces.
  std::string_view value = it->second;
  constexpr std::string_view kBearer = "bearer";
  if (!StartsWithIgnoreCase(value, kBearer)) return false;
  value.remove_prefix(kBearer.size());
  if (value.empty() || !IsSpace(value.front())) return false;
  while (!value.empty() && IsSpace(value.front())) value.remove_prefix(1);
  while (!value.empty() && IsSpace(value.back())) value.remove_suffix(1);
  return SecretsEqual(value, *token_);
}

// One reading at a time; requests within max_age of it share it, and
// while one is being taken (the history's lock can be held for a while)
// the others get the one before it rather than wait. With the refresher
// running, a reading expired less than kMaxStale ago is answered and a new
// one asked of that thread.
Result<HealthSnapshot> ServeHandler::Snapshot() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Micros age = clock_.Monotonic() - last_at_;
    if (last_ && age < max_age_) return *last_;
    if (last_ && background_ && age < kMaxStale) {
      wanted_ = true;
      wake_.notify_one();
      return *last_;
    }
  }
  std::unique_lock<std::mutex> reading(reading_mu_, std::try_to_lock);
  if (!reading.owns_lock()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (last_) return *last_;
    }
    reading.lock();  // the first reading of all: wait for it
    std::lock_guard<std::mutex> lock(mu_);
    if (last_) return *last_;
  }
  Result<HealthSnapshot> taken = take_();
  std::lock_guard<std::mutex> lock(mu_);
  last_ = taken;
  last_at_ = clock_.Monotonic();
  return taken;
}

std::thread ServeHandler::StartRefresher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    background_ = true;
  }
  return std::thread([this] { RefreshReadings(); });
}

void ServeHandler::RefreshReadings() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return wanted_ || stopping_; });
    if (stopping_) break;
    wanted_ = false;
    lock.unlock();
    {
      std::lock_guard<std::mutex> reading(reading_mu_);
      Result<HealthSnapshot> taken = take_();
      std::lock_guard<std::mutex> relock(mu_);
      last_ = std::move(taken);
      last_at_ = clock_.Monotonic();
    }
    lock.lock();
  }
  background_ = false;
}

void ServeHandler::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = true;
  wake_.notify_all();
}

HttpResponse ServeHandler::operator()(const HttpRequest& request) {
  const std::string& path = request.path;
  if (path == "/healthz") {
    // Open to load balancers without the token; the reasons only with it.
    auto snap = Snapshot();
    // The reasons (paths, errors) only to the token's holder, or without
    // a token to a local client (not a page through DNS rebinding).
    const bool authorized = Authorized(request) && (token_ || LocalHost(request));
    if (!snap.ok())
      return Text(503, authorized ? "unhealthy: " + snap.status().message() + "\n" : "unhealthy\n");
    if (!snap->service_problems.empty()) {
      std::string body = "unhealthy\n";
      if (authorized)
        for (const std::string& p : snap->service_problems) body += p + "\n";
      return Text(503, body);
    }
    return Text(200, "ok\n");
  }
  // Without a token the server is on loopback, and only local clients may
  // ask. A browser that a web page pointed at it through a name of its own
  // (DNS rebinding) sends that name: refused, or the page could read every
  // job's health and output.
  if (!token_ && !LocalHost(request))
    return Text(403, "refused: the Host header names '" + request.headers.at("host") +
                         "', not this machine's loopback address; ask for "
                         "http://127.0.0.1:PORT/ or http://localhost:PORT/\n");
  if (!Authorized(request)) {
    HttpResponse r = Text(401, "a token is needed: send 'Authorization: Bearer TOKEN'\n");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"surety\"");
    return r;
  }
  if (path == "/surety.css")
    return HttpResponse{200, "text/css; charset=utf-8", StatusPageStylesheet(), {}};
  if (path == "/surety.js")
    return HttpResponse{200, "text/javascript; charset=utf-8", StatusPageScript(), {}};
  if (path == "/index.txt") return Text(200, kIndex);
  constexpr std::string_view kJobs = "/jobs/";
  if (take_job_ && path.size() > kJobs.size() && path.compare(0, kJobs.size(), kJobs) == 0) {
    const std::string job = path.substr(kJobs.size());
    int page = 0;
    if (auto it = request.args.find("page"); it != request.args.end()) {
      const std::string& text = it->second;
      int n = -1;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || end != text.data() + text.size() || n < 0 || n > kMaxPage)
        return Text(400, "?page= takes a whole number from 0 (the newest runs) to " +
                             std::to_string(kMaxPage) + "\n");
      page = n;
    }
    auto html = JobPageOf(job, page);
    if (!html.ok())
      return Text(html.status().code() == StatusCode::kNotFound ? 404 : 500,
                  html.status().message() + "\n");
    return HttpResponse{200, "text/html; charset=utf-8", *html, {}};
  }
  if (path != "/" && path != "/metrics" && path != "/status.json" && path != "/state")
    return Text(404, std::string("not found\n\n") + kIndex);
  auto snap = Snapshot();
  if (!snap.ok())
    return Text(500, "cannot read the jobs' health: " + snap.status().message() + "\n");
  if (path == "/metrics")
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", snap->metrics, {}};
  if (path == "/") return HttpResponse{200, "text/html; charset=utf-8", snap->status_html, {}};
  if (path == "/state") {
    auto job = request.args.find("job");
    if (job == request.args.end()) return Text(200, snap->state + "\n");
    auto it = snap->job_states.find(job->second);
    if (it == snap->job_states.end()) return Text(404, "no job named '" + job->second + "'\n");
    return Text(200, it->second + "\n");
  }
  return HttpResponse{200, "application/json", snap->status_json, {}};
}

int RunServe(const GlobalOptions& g, const ServeOptions& o, Services& sv) {
  Logger log(sv.err, sv.clock, FormatOf(g), LevelOf(g, /*interactive=*/false));
  // Under the daemon every line is a log event, as the daemon's own are.
  const bool under_daemon = o.daemon_pid != 0;
  auto fail = [&](const std::string& message) {
    if (under_daemon)
      log.Error("serve_not_started", {{"error", message}});
    else
      sv.err << "error: " << message << '\n';
    return 2;
  };
  if (under_daemon && !TerminateWithParent(o.daemon_pid))
    return fail("the daemon that started it is gone");
  auto address = ParseListenAddress(o.address);
  if (!address.ok()) return fail(address.status().message());
  // A job file named on the command line that is not there is a mistake to
  // say now; one that is there but invalid is served (as CRITICAL).
  for (const std::string& config : g.configs)
    if (auto st = sv.fs->Stat(config); st.ok() && !st->exists)
      return fail("no job file at " + config);
  std::optional<std::string> token;
  if (o.token_file) {
    auto t = ReadTokenFile(*o.token_file, sv);
    if (!t.ok()) return fail(t.status().message());
    token = std::move(*t);
  } else if (!address->loopback) {
    return fail("refusing to serve on " + address->ToString() +
                " without a token: anyone who can reach it would read every job's health. Give "
                "--token-file FILE (a secret of " +
                std::to_string(kMinTokenLength) +
                "+ characters, readable by its owner alone; requests then send 'Authorization: "
                "Bearer SECRET'), or serve on a loopback address such as " +
                kDefaultListen);
  }
  // What a reading would print (a damaged history set aside, a journal
  // that cannot fold) is logged, once for each change of it.
  std::string said;
  // One reading of the job file and history at a time, for the overview or
  // a job page: both note when each job was first seen, and reap dead runs.
  std::mutex reading_mu;
  auto take = [&g, &sv, &log, &said, &reading_mu, under_daemon]() -> Result<HealthSnapshot> {
    std::lock_guard<std::mutex> one_at_a_time(reading_mu);
    std::ostringstream out, err;
    Services local{sv.clock,  sv.env, out,     err,        sv.fs, sv.commands,
                   sv.locker, sv.net, sv.http, sv.journal, false};
    auto snap = TakeHealthSnapshot(g, local, under_daemon, kServeBusyTimeout);
    if (err.str() != said) {
      said = err.str();
      std::istringstream lines(said);
      for (std::string line; std::getline(lines, line);)
        if (!line.empty()) log.Warn("serve_reading", {{"said", line}});
    }
    if (!snap.ok() && !said.empty())
      return Status::Error(snap.status().code(), said.substr(0, said.find('\n')));
    return snap;
  };
  // The stop signals are read, not handled: blocked here, before the
  // server's threads start (they inherit the mask), and taken off the queue.
  // SIGHUP has nothing to reload (every reading reads the job file) and is
  // ignored.
  IgnoreHangup();
  SignalScope signals;
  auto take_job = [&g, &sv, &reading_mu](const std::string& job, int page) -> Result<std::string> {
    std::lock_guard<std::mutex> one_at_a_time(reading_mu);
    return TakeJobPage(g, sv, job, page, kServeBusyTimeout);
  };
  ServeHandler handler(take, sv.clock, token, std::chrono::seconds(1), take_job);
  HttpServerLimits limits;
  limits.headers = ServeHeaders();
  auto server = HttpServer::Start(
      *address, [&handler](const HttpRequest& r) { return handler(r); }, limits);
  if (!server.ok()) {
    log.Error("serve_not_started", {{"error", server.status().message()}});
    return 1;
  }
  // Readings are taken here, not on the server's worker threads.
  std::thread refresher = handler.StartRefresher();
  log.Info("serving", {{"address", (*server)->address().ToString()},
                       {"token", token ? "required" : "none (loopback)"},
                       {"endpoints", "/ /jobs/NAME /metrics /status.json /healthz"}});
  while (!TakeStopSignal(std::chrono::seconds(1))) {
  }
  server->reset();
  handler.Stop();
  refresher.join();
  log.Info("serve_stopped", {});
  return 0;
}

}  // namespace surety
