#include "cli/serve_command.h"

#include <sstream>
#include <utility>

#include "cli/job_load.h"
#include "os/log.h"
#include "os/stop_signal.h"
#include "os/system.h"

namespace surety {

namespace {

constexpr size_t kMinTokenLength = 16;

// Every answer carries these: nothing here is to be framed, sniffed into
// another type, cached or given a script.
void Harden(HttpResponse& r) {
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-store");
}

HttpResponse Text(int status, std::string body) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body), {}};
}

constexpr const char* kIndex =
    "surety serves every job's health:\n"
    "  /metrics      Prometheus text exposition (docs/metrics.md)\n"
    "  /status.json  what 'surety check --json' prints\n"
    "  /healthz      200 when surety itself works (job file, history, daemon), else 503\n";

// The token from --token-file: the file's first line. A secret others can
// read is no secret: the file must be readable by its owner alone.
Result<std::string> ReadToken(const std::string& path, Services& sv) {
  auto file = sv.fs->ReadRegularFile(path, 4096);
  if (!file.ok()) return Status::Invalid("--token-file: " + file.status().message());
  if ((file->info.mode & 077) != 0)
    return Status::Invalid("--token-file: " + path +
                           " can be read by others than its owner; chmod 600 it");
  std::string token = file->data.substr(0, file->data.find('\n'));
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.size() < kMinTokenLength)
    return Status::Invalid("--token-file: " + path + " holds a token of " +
                           std::to_string(token.size()) + " characters; give at least " +
                           std::to_string(kMinTokenLength) +
                           " (e.g. head -c 24 /dev/urandom | base64 > " + path + ")");
  return token;
}

}  // namespace

ServeHandler::ServeHandler(Take take, const Clock& clock, std::optional<std::string> token,
                           Micros max_age)
    : take_(std::move(take)), clock_(clock), token_(std::move(token)), max_age_(max_age) {}

bool ServeHandler::Authorized(const HttpRequest& request) const {
  if (!token_) return true;
  auto it = request.headers.find("authorization");
  if (it == request.headers.end()) return false;
  constexpr std::string_view kBearer = "Bearer ";
  const std::string& value = it->second;
  if (value.compare(0, kBearer.size(), kBearer) != 0) return false;
  return SecretsEqual(std::string_view(value).substr(kBearer.size()), *token_);
}

// One reading at a time; requests within max_age of it share it.
Result<HealthSnapshot> ServeHandler::Snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  const Micros now = clock_.Monotonic();
  if (!last_ || now - last_at_ >= max_age_) {
    last_ = take_();
    last_at_ = clock_.Monotonic();
  }
  return *last_;
}

HttpResponse ServeHandler::operator()(const HttpRequest& request) {
  HttpResponse r;
  const std::string& path = request.path;
  const bool known =
      path == "/" || path == "/metrics" || path == "/status.json" || path == "/healthz";
  if (!known) {
    r = Text(404, "not found: " + path + "\n\n" + kIndex);
  } else if (path == "/healthz") {
    // Open to load balancers without the token; the reasons only with it.
    auto snap = Snapshot();
    const bool authorized = Authorized(request);
    if (!snap.ok()) {
      r = Text(503, authorized ? "unhealthy: " + snap.status().message() + "\n" : "unhealthy\n");
    } else if (!snap->service_problems.empty()) {
      std::string body = "unhealthy\n";
      if (authorized)
        for (const std::string& p : snap->service_problems) body += p + "\n";
      r = Text(503, body);
    } else {
      r = Text(200, "ok\n");
    }
  } else if (!Authorized(request)) {
    r = Text(401, "a token is needed: send 'Authorization: Bearer TOKEN'\n");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"surety\"");
  } else if (path == "/") {
    r = Text(200, kIndex);
  } else {
    auto snap = Snapshot();
    if (!snap.ok()) {
      r = Text(500, "cannot read the jobs' health: " + snap.status().message() + "\n");
    } else if (path == "/metrics") {
      r = HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", snap->metrics, {}};
    } else {
      r = HttpResponse{200, "application/json", snap->status_json, {}};
    }
  }
  Harden(r);
  return r;
}

int RunServe(const GlobalOptions& g, const ServeOptions& o, Services& sv) {
  Logger log(sv.err, sv.clock, FormatOf(g), LevelOf(g, /*interactive=*/false));
  if (o.daemon_pid != 0 && !TerminateWithParent(o.daemon_pid)) {
    log.Error("serve_not_started", {{"error", "the daemon that started it is gone"}});
    return 1;
  }
  auto address = ParseListenAddress(o.address);
  if (!address.ok()) {
    sv.err << "error: " << address.status().message() << '\n';
    return 2;
  }
  std::optional<std::string> token;
  if (!o.token_file.empty()) {
    auto t = ReadToken(o.token_file, sv);
    if (!t.ok()) {
      sv.err << "error: " << t.status().message() << '\n';
      return 2;
    }
    token = std::move(*t);
  } else if (!address->loopback) {
    sv.err << "error: refusing to serve on " << address->ToString()
           << " without a token: anyone who can reach it would read every job's health.\n"
              "Give --token-file FILE (a secret of "
           << kMinTokenLength
           << "+ characters, readable by its owner alone; requests then send\n"
              "'Authorization: Bearer SECRET'), or serve on a loopback address such as "
           << kDefaultListen << ".\n";
    return 2;
  }
  // Read once before serving: a job file that cannot be read at all is
  // said now, not at the first request.
  const bool expect_daemon = o.daemon_pid != 0;
  auto take = [&g, &sv, expect_daemon]() -> Result<HealthSnapshot> {
    std::ostringstream out, err;  // what a command would print: the snapshot has it
    Services local{sv.clock,  sv.env, out,     err,        sv.fs, sv.commands,
                   sv.locker, sv.net, sv.http, sv.journal, false};
    auto snap = TakeHealthSnapshot(g, local, expect_daemon);
    if (!snap.ok() && !err.str().empty())
      return Status::Error(snap.status().code(), err.str().substr(0, err.str().find('\n')));
    return snap;
  };
  if (auto first = take(); !first.ok()) {
    sv.err << "error: " << first.status().message() << '\n';
    return 2;
  }
  // The stop signals are read, not handled: blocked here, before the
  // server's threads start (they inherit the mask), and taken off the queue.
  SignalScope signals;
  ServeHandler handler(take, sv.clock, token);
  auto server =
      HttpServer::Start(*address, [&handler](const HttpRequest& r) { return handler(r); });
  if (!server.ok()) {
    log.Error("serve_not_started", {{"error", server.status().message()}});
    return 1;
  }
  log.Info("serving", {{"address", (*server)->address().ToString()},
                       {"token", token ? "required" : "none (loopback)"},
                       {"endpoints", "/metrics /status.json /healthz"}});
  while (!TakeStopSignal(std::chrono::seconds(1))) {
  }
  server->reset();
  log.Info("serve_stopped", {});
  return 0;
}

}  // namespace surety
