// End to end: a webhook alert through the real libcurl poster to a real HTTP
// server on 127.0.0.1 (loopback only; the kernel picks the port).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "alert/alert.h"
#include "os/fake_journal.h"
#include "time/zone.h"

namespace surety {
namespace {

using std::chrono::seconds;

// A blocking HTTP/1.1 server that answers exactly statuses.size() requests,
// one connection each, with the given status codes in order, then stops.
// Gives up waiting for a client after 10 s so a broken test cannot hang.
class LoopbackHttpServer {
 public:
  struct Request {
    std::string method, target;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
  };

  explicit LoopbackHttpServer(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(listen_fd_, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 8), 0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackHttpServer() {
    Join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // Waits until every request was answered (or the server gave up).
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  // REQUIRES: Join() returned.
  const std::vector<Request>& requests() const { return requests_; }

 private:
  void Serve() {
    for (int status : statuses_) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, 10'000) != 1) return;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      Request req;
      bool ok = ReadRequest(fd, req);
      if (ok) requests_.push_back(req);
      std::string reply = "HTTP/1.1 " + std::to_string(status) + " Test\r\n";
      if (status >= 300 && status < 400) reply += "Location: " + Url("/elsewhere") + "\r\n";
      reply += "Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      (void)!::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      ::close(fd);
    }
  }

  static bool ReadRequest(int fd, Request& req) {
    std::string data;
    size_t header_end = std::string::npos;
    size_t content_length = 0;
    char buf[4096];
    for (;;) {
      if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length) break;
      pollfd pfd{fd, POLLIN, 0};
      if (::poll(&pfd, 1, 10'000) != 1) return false;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      data.append(buf, static_cast<size_t>(n));
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          ParseHead(data.substr(0, header_end), req);
          auto it = req.headers.find("content-length");
          if (it != req.headers.end()) content_length = std::stoul(it->second);
        }
      }
    }
    req.body = data.substr(header_end + 4, content_length);
    return true;
  }

  static void ParseHead(const std::string& head, Request& req) {
    size_t line_end = head.find("\r\n");
    std::string request_line = head.substr(0, line_end);
    size_t sp1 = request_line.find(' ');
    size_t sp2 = request_line.find(' ', sp1 + 1);
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string line = head.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        size_t v = line.find_first_not_of(' ', colon + 1);
        req.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = end + 2;
    }
  }

  std::vector<int> statuses_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::vector<Request> requests_;
};

class NoCommands final : public CommandRunner {
 public:
  CommandOutcome Run(const CommandSpec&) override {
    ADD_FAILURE() << "no command expected";
    return CommandOutcome{};
  }
};

RunRecord Record() {
  RunRecord r;
  r.id = 7;
  r.job = "db";
  r.trigger = Trigger::kSchedule;
  r.host = "host1";
  r.started_at = Instant{seconds{CivilSecondsAsUtc(2026, 11, 22, 3, 4, 5)}};
  r.finished_at = r.started_at + seconds(61);
  r.duration_ms = 61000;
  r.attempts = 1;
  r.exit_code = 2;
  r.result = RunResult::kFailed;
  r.message = "exited with status 2";
  r.output_tail = "pg_dump: error: \"db\" does not exist \xe2\x9c\x97\n";
  return r;
}

class WebhookEndToEnd : public ::testing::Test {
 protected:
  WebhookEndToEnd()
      : http_(MakeCurlPoster()),
        env_{*http_, journal_, commands_, [this](Micros d) { sleeps_.push_back(d); }, {}} {}

  AlertSpec Webhook(const std::string& url) {
    AlertSpec a;
    a.name = "ops";
    a.kind = AlertKind::kWebhook;
    a.url = url;
    return a;
  }

  std::unique_ptr<HttpPoster> http_;
  RecordingJournalWriter journal_;
  NoCommands commands_;
  std::vector<Micros> sleeps_;
  AlertEnv env_;
};

TEST_F(WebhookEndToEnd, PostsTheRunRecordJson) {
  LoopbackHttpServer server({200});
  RunRecord record = Record();
  Status st = DeliverAlert(Webhook(server.Url("/hook/s3cr3t")), record, AlertEvent::kFailure, env_);
  server.Join();
  EXPECT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(server.requests().size(), 1u);
  const auto& req = server.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/hook/s3cr3t");
  EXPECT_EQ(req.headers.at("content-type"), "application/json");
  EXPECT_EQ(req.body, RunRecordJson(record, AlertEvent::kFailure));
  nlohmann::json body = nlohmann::json::parse(req.body);
  EXPECT_EQ(body["job"], "db");
  EXPECT_EQ(body["event"], "failure");
  EXPECT_EQ(body["started_at"], "2026-11-22T03:04:05Z");
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(WebhookEndToEnd, DeliveredOnTheThirdAttemptAfterTwoServerErrors) {
  LoopbackHttpServer server({500, 500, 200});
  RunRecord record = Record();
  Status st = DeliverAlert(Webhook(server.Url("/hook")), record, AlertEvent::kFailure, env_);
  server.Join();
  EXPECT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(server.requests().size(), 3u);
  for (const auto& req : server.requests())
    EXPECT_EQ(req.body, RunRecordJson(record, AlertEvent::kFailure));
  EXPECT_EQ(sleeps_, (std::vector<Micros>{seconds(1), seconds(2)}));
}

TEST_F(WebhookEndToEnd, ThreeServerErrorsFailWithoutTheUrl) {
  LoopbackHttpServer server({500, 503, 500});
  const std::string url = server.Url("/hook/s3cr3t");
  Status st = DeliverAlert(Webhook(url), Record(), AlertEvent::kFailure, env_);
  server.Join();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "webhook ops: HTTP 500");
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST_F(WebhookEndToEnd, RedirectsAreNotFollowed) {
  LoopbackHttpServer server({302});
  Result<int> code = http_->Post(server.Url("/hook"), "application/json", "{}", seconds(5));
  server.Join();
  ASSERT_TRUE(code.ok()) << code.status().message();
  EXPECT_EQ(*code, 302);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(WebhookEndToEnd, NobodyListeningIsATransportErrorWithoutTheUrl) {
  // Take a free loopback port and release it again.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  const std::string url =
      "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/hook/s3cr3t";

  Status st = DeliverAlert(Webhook(url), Record(), AlertEvent::kFailure, env_);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message().rfind("webhook ops: no answer: ", 0), 0u) << st.message();
  EXPECT_EQ(st.message().find(url), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("s3cr3t"), std::string::npos) << st.message();
  EXPECT_EQ(sleeps_.size(), 2u);
}

}  // namespace
}  // namespace surety
