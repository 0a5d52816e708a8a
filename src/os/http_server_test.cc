#include "os/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>

namespace surety {
namespace {

TEST(ListenAddress, APortAloneIsLoopback) {
  auto a = ParseListenAddress("9724");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->ToString(), "127.0.0.1:9724");
  EXPECT_TRUE(a->loopback);
}

TEST(ListenAddress, FormsAndWhetherTheyAreLoopback) {
  struct Case {
    const char* text;
    const char* bound;
    bool loopback;
  };
  for (const Case& c :
       {Case{"127.0.0.1:80", "127.0.0.1:80", true}, Case{"127.8.9.10:80", "127.8.9.10:80", true},
        Case{"localhost:0", "127.0.0.1:0", true}, Case{"[::1]:9724", "[::1]:9724", true},
        Case{"[::]:9724", "[::]:9724", false}, Case{":9724", "0.0.0.0:9724", false},
        Case{"0.0.0.0:9724", "0.0.0.0:9724", false},
        Case{"192.168.1.5:65535", "192.168.1.5:65535", false}}) {
    auto a = ParseListenAddress(c.text);
    ASSERT_TRUE(a.ok()) << c.text << ": " << a.status().message();
    EXPECT_EQ(a->ToString(), c.bound) << c.text;
    EXPECT_EQ(a->loopback, c.loopback) << c.text;
  }
}

TEST(ListenAddress, BadFormsSayWhatToWrite) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c :
       {Case{"", "ADDR:PORT"}, Case{"example.org:80", "not an IP address"},
        Case{"::1:80", "brackets"}, Case{"[::1]80", "[ADDR]:PORT"},
        Case{"127.0.0.1:65536", "0 to 65535"}, Case{"127.0.0.1:99999999999999999999", "0 to 65535"},
        Case{"127.0.0.1:", "0 to 65535"}, Case{"127.0.0.1:-1", "0 to 65535"}}) {
    auto a = ParseListenAddress(c.text);
    ASSERT_FALSE(a.ok()) << c.text;
    EXPECT_NE(a.status().message().find(c.says), std::string::npos)
        << c.text << ": " << a.status().message();
  }
}

TEST(SecretsEqual, EqualOnlyWhenEqual) {
  EXPECT_TRUE(SecretsEqual("s3cret-token", "s3cret-token"));
  EXPECT_FALSE(SecretsEqual("s3cret-token", "s3cret-tokeN"));
  EXPECT_FALSE(SecretsEqual("s3cret-token", "s3cret-toke"));
  EXPECT_FALSE(SecretsEqual("s3cret-toke", "s3cret-token"));
  EXPECT_FALSE(SecretsEqual("", "x"));
  EXPECT_TRUE(SecretsEqual("", ""));
}

// Sends `request` to 127.0.0.1:port and reads the whole answer.
std::string Exchange(uint16_t port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return "(connect failed)";
  }
  (void)!write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

TEST(HttpServer, ServesTheHandlersAnswerAndRefusesWrites) {
  auto a = ParseListenAddress("127.0.0.1:0");
  ASSERT_TRUE(a.ok());
  std::atomic<int> calls{0};
  HttpServerLimits limits;
  limits.headers = {{"X-Frame-Options", "DENY"}};
  auto server = HttpServer::Start(
      *a,
      [&](const HttpRequest& r) {
        ++calls;
        HttpResponse out;
        out.body =
            r.method + " " + r.path + " job=" + (r.args.count("job") ? r.args.at("job") : "") +
            " auth=" + (r.headers.count("authorization") ? r.headers.at("authorization") : "");
        return out;
      },
      limits);
  ASSERT_TRUE(server.ok()) << server.status().message();
  const uint16_t port = (*server)->address().port;
  ASSERT_NE(port, 0);
  std::string got = Exchange(port,
                             "GET /status.json?job=db%20main HTTP/1.1\r\nHost: x\r\n"
                             "Authorization: Bearer abc\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_NE(got.find("X-Frame-Options: DENY"), std::string::npos) << got;
  EXPECT_NE(got.find("GET /status.json job=db main auth=Bearer abc"), std::string::npos) << got;

  got = Exchange(port,
                 "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                 "Connection: close\r\n\r\nhello");
  EXPECT_EQ(got.rfind("HTTP/1.1 405", 0), 0u) << got;
  EXPECT_NE(got.find("X-Frame-Options: DENY"), std::string::npos) << got;
  EXPECT_EQ(calls.load(), 1) << "a POST reached the handler";

  // A GET with a body is refused before the body is read.
  got = Exchange(port,
                 "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n"
                 "Connection: close\r\n\r\nxxxx");
  EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << got;
  EXPECT_EQ(calls.load(), 1);

  // %00 does not cut the path short.
  got = Exchange(port, "GET /metrics%00.html HTTP/1.0\r\n\r\n");
  EXPECT_NE(got.find("GET /metrics%00.html job="), std::string::npos) << got;

  // A second server cannot take the same port, and says why.
  ListenAddress same = *a;
  same.port = port;
  auto second = HttpServer::Start(same, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("Address already in use"), std::string::npos)
      << second.status().message();
}

}  // namespace
}  // namespace surety
