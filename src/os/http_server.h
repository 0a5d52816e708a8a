// HttpServer: a small read-only HTTP server for `surety serve` (and the
// daemon's --listen), on libmicrohttpd.
//
// For: serving /metrics, /status.json and /healthz to Prometheus, load
// balancers and people. The server answers GET and HEAD only; each request
// is handed, as a plain value, to one HttpHandler, which is a pure function
// of the request as far as this file is concerned (the handler does the
// reading). Limits bound what a client can cost: a thread pool of fixed
// size, a connection limit, an idle timeout, and no request body.
//
// libmicrohttpd is loaded with dlopen() when a server starts, so that the
// libraries it brings (GnuTLS and more) are never loaded into `surety run`
// (docs/libraries.md).
//
// Thread-safety: the handler is called from the server's threads, several
// at once; HttpServer itself is used by the thread that started it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace surety {

// Where to listen: "PORT" (loopback), "ADDR:PORT", "[ADDR6]:PORT",
// ":PORT" (every interface), "localhost:PORT". Port 0: any free port.
struct ListenAddress {
  std::string host;  // a numeric IPv4 or IPv6 address
  uint16_t port = 0;
  bool ipv6 = false;
  bool loopback = false;  // 127.0.0.0/8 or ::1
  // "127.0.0.1:9724", "[::1]:9724".
  std::string ToString() const;
};
Result<ListenAddress> ParseListenAddress(std::string_view text);

struct HttpRequest {
  std::string method;                          // GET or HEAD
  std::string path;                            // without the query
  std::map<std::string, std::string> args;     // the query's arguments, decoded
  std::map<std::string, std::string> headers;  // names in lower case
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerLimits {
  unsigned threads = 4;         // requests handled at once
  unsigned connections = 1024;  // open connections at once; more are refused
  // Open connections from one address at once, when serving beyond
  // loopback (loopback clients are local processes, all from one address).
  unsigned per_address = 64;
  unsigned idle_timeout_s = 10;  // an idle (or slow) connection is closed after this
  // Added to every answer the handler gives, and to the server's own (405,
  // 400 for a GET with a body).
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpServer {
 public:
  // Binds `address` (port 0: any free port) and starts serving; a clear
  // error when the address cannot be bound or libmicrohttpd is missing.
  static Result<std::unique_ptr<HttpServer>> Start(const ListenAddress& address,
                                                   HttpHandler handler,
                                                   const HttpServerLimits& limits = {});
  ~HttpServer();  // stops serving; requests in progress are finished first
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The address bound, with the port the kernel chose for port 0.
  const ListenAddress& address() const { return address_; }

 private:
  struct Impl;
  HttpServer(ListenAddress address, std::unique_ptr<Impl> impl);
  ListenAddress address_;
  std::unique_ptr<Impl> impl_;
};

// Compares two secrets in time that depends on their lengths only.
bool SecretsEqual(std::string_view a, std::string_view b);

// Whether something else already listens on `address` (a bind that
// fails): the error a server started there would meet, said early. Port 0
// always binds.
Status ProbeListen(const ListenAddress& address);

}  // namespace surety
