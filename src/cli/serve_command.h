// `surety serve [ADDR:]PORT`: every job's health over HTTP — /metrics for
// Prometheus, /status.json for scripts and dashboards, /healthz for load
// balancers and container health checks — from the same facts `status`,
// `check` and `metrics` read (health_commands.h). `surety daemon --listen`
// runs it as a child of its own.
//
// Read-only. Loopback unless told otherwise; any other address needs
// --token-file, and then every request but /healthz needs
// `Authorization: Bearer TOKEN`. Work per request is bounded: one health
// reading at a time, shared by every request within a second.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cli/cli.h"
#include "cli/health_commands.h"
#include "cli/job_commands.h"
#include "os/clock.h"
#include "os/http_server.h"

namespace surety {

inline constexpr const char* kDefaultListen = "127.0.0.1:9724";

struct ServeOptions {
  std::string address = kDefaultListen;
  std::optional<std::string> token_file;
  // Started by `surety daemon --listen` (its pid): end with it, and have
  // /healthz expect its heartbeat.
  int daemon_pid = 0;
};
int RunServe(const GlobalOptions& g, const ServeOptions& o, Services& sv);

// How long a reading waits for the history's lock: a client is answered
// with the reading before (or 503) rather than held for the 10 s a command
// waits.
inline constexpr Micros kServeBusyTimeout{std::chrono::seconds(2)};

// The headers every answer carries (security and caching).
std::vector<std::pair<std::string, std::string>> ServeHeaders();

// The token --token-file names: the file's first line, trimmed; refused
// when others can read the file, or the token is short or not printable
// ASCII.
Result<std::string> ReadTokenFile(const std::string& path, Services& sv);

// Whether an HTTP Host header (with or without its port) names a loopback
// address: localhost, 127.0.0.0/8 or [::1]. Without a token, the server
// answers no other Host (DNS rebinding).
bool LoopbackHost(std::string_view host);

// Answers one request from a health snapshot no older than `max_age`
// (taken with `take`, one at a time), and /jobs/NAME from a job page no
// older than `max_age` (made with `take_job`, one at a time, the last
// kJobPagesKept kept). Thread-safe.
class ServeHandler {
 public:
  using Take = std::function<Result<HealthSnapshot>()>;
  // The job page of a job, `page` pages of runs back; kNotFound for no
  // such job.
  using TakeJob = std::function<Result<std::string>(const std::string& job, int page)>;
  ServeHandler(Take take, const Clock& clock, std::optional<std::string> token,
               Micros max_age = std::chrono::seconds(1), TakeJob take_job = nullptr);
  HttpResponse operator()(const HttpRequest& request);

  // Starts a thread that takes the readings until Stop() (join it then):
  // from now on a request that finds the reading expired, but younger than
  // kMaxStale, is answered from it at once and wakes that thread for the
  // next one, instead of taking it on the server's worker thread (which
  // would hold up every connection that thread serves). A busy server's
  // reading is never older than that; a quiet one's (Prometheus every 15 s)
  // is taken by the request that finds it older, which then waits for it,
  // so nobody is handed a stale one.
  std::thread StartRefresher();
  void Stop();

  static constexpr size_t kJobPagesKept = 64;
  static constexpr Micros kMaxStale{std::chrono::seconds(2)};
  // The deepest page of runs served (a page is kJobPageRuns runs).
  static constexpr int kMaxPage = 10000;

 private:
  Result<HealthSnapshot> Snapshot();
  void RefreshReadings();
  Result<std::string> JobPageOf(const std::string& job, int page);
  bool Authorized(const HttpRequest& request) const;
  // No Host header, or one that names a loopback address.
  static bool LocalHost(const HttpRequest& request);

  struct KeptPage {
    Micros at{0};  // monotonic
    Result<std::string> html;
  };
  Take take_;
  TakeJob take_job_;
  std::mutex job_mu_;  // held while a job page is made, and guards kept_
  std::map<std::pair<std::string, int>, KeptPage> kept_;
  const Clock& clock_;
  std::optional<std::string> token_;
  Micros max_age_;
  std::mutex reading_mu_;  // held while a reading is taken
  std::mutex mu_;          // guards the rest
  std::optional<Result<HealthSnapshot>> last_;
  Micros last_at_{0};  // monotonic
  // RefreshReadings(): whether it runs, whether a request wants a reading,
  // whether to stop.
  bool background_ = false, wanted_ = false, stopping_ = false;
  std::condition_variable wake_;
};

}  // namespace surety
