#include "cli/serve_command.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace surety {
namespace {

using std::chrono::milliseconds;

class ServeHandlerTest : public testing::Test {
 protected:
  ServeHandler Make(std::optional<std::string> token = std::nullopt) {
    return ServeHandler(
        [this]() -> Result<HealthSnapshot> {
          ++takes_;
          if (!error_.ok()) return error_;
          return snap_;
        },
        clock_, std::move(token), std::chrono::seconds(1),
        [this](const std::string& job, int page) -> Result<std::string> {
          ++job_takes_;
          if (job != "db")
            return Status::Error(StatusCode::kNotFound, "no job named '" + job + "'");
          return "<p>" + job + " page " + std::to_string(page) + "</p>";
        });
  }
  static HttpRequest Get(const std::string& path, const std::string& auth = "") {
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    if (!auth.empty()) r.headers["authorization"] = auth;
    return r;
  }
  static bool HasHeader(const HttpResponse& r, const std::string& name, const std::string& value) {
    for (const auto& [n, v] : r.headers)
      if (n == name && v == value) return true;
    return false;
  }

  FakeClock clock_;
  HealthSnapshot snap_{
      "surety_jobs 1\n", "{\"status\":2}\n", 2, "SURETY CRITICAL", {}, "", "5a7e", {}};
  Status error_;
  std::atomic<int> takes_{0};
  std::atomic<int> job_takes_{0};
};

TEST_F(ServeHandlerTest, ServesMetricsStatusAndHealthWithTheirTypes) {
  ServeHandler h = Make();
  HttpResponse m = h(Get("/metrics"));
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.body, "surety_jobs 1\n");
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
  HttpResponse s = h(Get("/status.json"));
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.content_type, "application/json");
  EXPECT_EQ(s.body, "{\"status\":2}\n");
  // A CRITICAL job is the jobs' news: surety itself works.
  HttpResponse z = h(Get("/healthz"));
  EXPECT_EQ(z.status, 200);
  EXPECT_EQ(z.body, "ok\n");
  HttpResponse nope = h(Get("/nope\xff"));
  EXPECT_EQ(nope.status, 404);
  EXPECT_EQ(nope.body.find('\xff'), std::string::npos) << "the path is not echoed";
  // What the server adds to every answer, its own included.
  HttpResponse all;
  all.headers = ServeHeaders();
  EXPECT_TRUE(HasHeader(all, "X-Frame-Options", "DENY"));
  EXPECT_TRUE(HasHeader(all, "X-Content-Type-Options", "nosniff"));
  EXPECT_TRUE(HasHeader(all, "Cache-Control", "no-store"));
  EXPECT_TRUE(HasHeader(all, "Content-Security-Policy",
                        "default-src 'none'; style-src 'self'; script-src 'self'; "
                        "connect-src 'self'; frame-ancestors 'none'; "
                        "base-uri 'none'; form-action 'none'"));
}

TEST_F(ServeHandlerTest, TheStatusPageAndItsStylesheet) {
  snap_.status_html = "<!DOCTYPE html><p>page</p>";
  ServeHandler h = Make();
  HttpResponse page = h(Get("/"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.body, snap_.status_html);
  HttpResponse css = h(Get("/surety.css"));
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_NE(css.body.find(".health.bad"), std::string::npos);
  EXPECT_EQ(h(Get("/index.txt")).body.rfind("surety serves every job's health", 0), 0u);
}

TEST_F(ServeHandlerTest, JobPagesTheirPagesOfRunsAndTheStateTokenAndScript) {
  ServeHandler h = Make();
  HttpResponse page = h(Get("/jobs/db"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.body, "<p>db page 0</p>");
  HttpRequest older = Get("/jobs/db");
  older.args["page"] = "3";
  EXPECT_EQ(h(older).body, "<p>db page 3</p>");
  for (const char* bad : {"-1", "x", "3x", "", "10001", "99999999999"}) {
    older.args["page"] = bad;
    HttpResponse r = h(older);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.body.find("?page= takes a whole number"), std::string::npos);
  }
  HttpResponse none = h(Get("/jobs/nope"));
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.body, "no job named 'nope'\n");
  EXPECT_EQ(h(Get("/jobs/")).status, 404);
  HttpResponse state = h(Get("/state"));
  EXPECT_EQ(state.status, 200);
  EXPECT_EQ(state.body, "5a7e\n");
  HttpResponse js = h(Get("/surety.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(js.body.find("\"/state\""), std::string::npos);
  // A job page's token.
  snap_.job_states = {{"db", "d8"}};
  clock_.Advance(milliseconds(1000));  // a new reading
  HttpRequest job_state = Get("/state");
  job_state.args["job"] = "db";
  EXPECT_EQ(h(job_state).body, "d8\n");
  job_state.args["job"] = "nope";
  EXPECT_EQ(h(job_state).status, 404);
}

TEST_F(ServeHandlerTest, AJobPageIsMadeOnceASecondAndAPageOfRunsAtATime) {
  ServeHandler h = Make();
  for (int i = 0; i < 5; ++i) (void)h(Get("/jobs/db"));
  EXPECT_EQ(job_takes_, 1);
  HttpRequest older = Get("/jobs/db");
  older.args["page"] = "1";
  (void)h(older);
  EXPECT_EQ(job_takes_, 2);
  clock_.Advance(milliseconds(1000));
  (void)h(Get("/jobs/db"));
  EXPECT_EQ(job_takes_, 3);
  // However many pages are asked for (page 0 is still fresh), at most
  // kJobPagesKept are kept, and the newest of them is still served kept.
  for (int i = 0; i < 500; ++i) {
    older.args["page"] = std::to_string(i);
    (void)h(older);
  }
  EXPECT_EQ(job_takes_, 502);
  (void)h(older);
  EXPECT_EQ(job_takes_, 502);
}

TEST_F(ServeHandlerTest, JobPagesNeedTheTokenToo) {
  ServeHandler h = Make(std::string("0123456789abcdef"));
  EXPECT_EQ(h(Get("/jobs/db")).status, 401);
  EXPECT_EQ(h(Get("/state")).status, 401);
  EXPECT_EQ(h(Get("/jobs/db", "Bearer 0123456789abcdef")).status, 200);
  EXPECT_EQ(job_takes_, 1);
}

TEST_F(ServeHandlerTest, WithoutATokenOnlyLoopbackHostsAreAnswered) {
  for (const char* host : {"127.0.0.1", "127.0.0.1:9724", "localhost:9724", "LocalHost",
                           "[::1]:9724", "[::1]", "127.1.2.3:80"})
    EXPECT_TRUE(LoopbackHost(host)) << host;
  for (const char* host : {"attacker.example", "attacker.example:9724", "127.0.0.1.nip.io",
                           "128.0.0.1", "localhost.attacker.example", "[::2]:80", "[::1]x",
                           "127.0.0.1:80:80", "127.0.0", "127.0.0.256", "", "0x7f.0.0.1"})
    EXPECT_FALSE(LoopbackHost(host)) << host;
  ServeHandler h = Make();
  HttpRequest rebound = Get("/status.json");
  rebound.headers["host"] = "attacker.example:9724";
  HttpResponse r = h(rebound);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("Host header names 'attacker.example:9724'"), std::string::npos);
  rebound.headers["host"] = "127.0.0.1:9724";
  EXPECT_EQ(h(rebound).status, 200);
  // /healthz stays open to any Host, but tells its reasons only locally.
  snap_.service_problems = {"cannot open /srv/state/history.db"};
  clock_.Advance(std::chrono::seconds(5));
  HttpRequest health = Get("/healthz");
  health.headers["host"] = "attacker.example";
  EXPECT_EQ(h(health).status, 503);
  EXPECT_EQ(h(health).body, "unhealthy\n");
  health.headers["host"] = "localhost:9724";
  EXPECT_NE(h(health).body.find("/srv/state"), std::string::npos);
  // With a token the Host does not matter: a rebinding page has no token.
  ServeHandler with_token = Make(std::string("0123456789abcdef"));
  HttpRequest proxied = Get("/status.json", "Bearer 0123456789abcdef");
  proxied.headers["host"] = "surety.example.org";
  EXPECT_EQ(with_token(proxied).status, 200);
}

TEST_F(ServeHandlerTest, RequestsWithinASecondShareOneReading) {
  ServeHandler h = Make();
  for (int i = 0; i < 5; ++i) (void)h(Get(i % 2 ? "/metrics" : "/status.json"));
  EXPECT_EQ(takes_, 1);
  clock_.Advance(milliseconds(999));
  (void)h(Get("/metrics"));
  EXPECT_EQ(takes_, 1);
  clock_.Advance(milliseconds(1));
  (void)h(Get("/metrics"));
  EXPECT_EQ(takes_, 2);
}

TEST_F(ServeHandlerTest, AServiceProblemFailsHealthzAndSaysWhyOnlyToTheTokensHolder) {
  snap_.service_problems = {"cannot read the history: disk I/O error"};
  ServeHandler open = Make();
  HttpResponse z = open(Get("/healthz"));
  EXPECT_EQ(z.status, 503);
  EXPECT_NE(z.body.find("disk I/O error"), std::string::npos) << "loopback: no token, all said";

  ServeHandler guarded = Make("0123456789abcdef");
  z = guarded(Get("/healthz"));
  EXPECT_EQ(z.status, 503);
  EXPECT_EQ(z.body, "unhealthy\n");
  z = guarded(Get("/healthz", "Bearer 0123456789abcdef"));
  EXPECT_NE(z.body.find("disk I/O error"), std::string::npos);
}

TEST_F(ServeHandlerTest, WithATokenEverythingButHealthzNeedsIt) {
  ServeHandler h = Make("0123456789abcdef");
  for (const char* path : {"/", "/metrics", "/status.json"}) {
    HttpResponse r = h(Get(path));
    EXPECT_EQ(r.status, 401) << path;
    EXPECT_TRUE(HasHeader(r, "WWW-Authenticate", "Bearer realm=\"surety\"")) << path;
    EXPECT_EQ(h(Get(path, "Bearer 0123456789abcdeX")).status, 401) << path;
    EXPECT_EQ(h(Get(path, "Bearer 0123456789abcde")).status, 401) << path;
    EXPECT_EQ(h(Get(path, "Basic 0123456789abcdef")).status, 401) << path;
    EXPECT_EQ(h(Get(path, "Bearer 0123456789abcdef")).status, 200) << path;
    // The scheme in any case, with any spaces (RFC 7235, RFC 6750).
    EXPECT_EQ(h(Get(path, "bearer  0123456789abcdef ")).status, 200) << path;
  }
  EXPECT_EQ(h(Get("/nope")).status, 401) << "a 404 told what exists without the token";
  EXPECT_EQ(takes_, 1) << "a refused request read nothing";
  EXPECT_EQ(h(Get("/healthz")).status, 200);
}

// While a reading is being taken (the history's lock held), other
// requests get the reading before it instead of waiting.
TEST_F(ServeHandlerTest, ASlowReadingHoldsUpOnlyItself) {
  std::mutex gate;
  bool slow = false;
  ServeHandler h(
      [&]() -> Result<HealthSnapshot> {
        ++takes_;
        if (slow) std::lock_guard<std::mutex> wait(gate);
        return snap_;
      },
      clock_, std::nullopt);
  (void)h(Get("/metrics"));  // the first reading
  clock_.Advance(std::chrono::seconds(2));
  slow = true;
  gate.lock();
  std::thread reader([&] { (void)h(Get("/metrics")); });
  while (takes_ < 2) std::this_thread::yield();
  HttpResponse meanwhile = h(Get("/status.json"));  // would block if it waited
  EXPECT_EQ(meanwhile.status, 200);
  gate.unlock();
  reader.join();
  EXPECT_EQ(takes_, 2);
}

// With a thread taking readings, a request never takes one but the first:
// it is answered from the last and wakes that thread for the next.
TEST_F(ServeHandlerTest, WithARefresherRequestsAnswerAtOnceAndItTakesTheReadings) {
  ServeHandler h = Make();
  std::thread refresher = h.StartRefresher();
  snap_.metrics = "first\n";
  EXPECT_EQ(h(Get("/metrics")).body, "first\n");  // the first reading, taken by the request
  EXPECT_EQ(takes_, 1);
  snap_.metrics = "second\n";
  clock_.Advance(milliseconds(1500));
  // Expired: answered from it, a new one asked of the refresher.
  EXPECT_EQ(h(Get("/metrics")).body, "first\n");
  for (int i = 0; i < 5000 && takes_ < 2; ++i) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_EQ(takes_, 2);
  std::string body;
  for (int i = 0; i < 5000 && body != "second\n"; ++i) {
    body = h(Get("/metrics")).body;
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_EQ(body, "second\n");
  EXPECT_EQ(takes_, 2) << "fresh again: no more readings";
  // A quiet server (a scrape every 15 s): a reading older than kMaxStale
  // is not handed out; the request takes a new one.
  snap_.metrics = "third\n";
  clock_.Advance(ServeHandler::kMaxStale);
  EXPECT_EQ(h(Get("/metrics")).body, "third\n");
  h.Stop();
  refresher.join();
}

TEST_F(ServeHandlerTest, AReadingThatFailsIsAServerErrorAndUnhealthy) {
  error_ = Status::Error(StatusCode::kIoError, "cannot read the job file");
  ServeHandler h = Make();
  HttpResponse m = h(Get("/metrics"));
  EXPECT_EQ(m.status, 500);
  EXPECT_NE(m.body.find("cannot read the job file"), std::string::npos);
  EXPECT_EQ(h(Get("/healthz")).status, 503);
}

}  // namespace
}  // namespace surety
