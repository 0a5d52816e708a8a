#include "os/http_server.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <type_traits>

#include "base/strings.h"

namespace surety {

namespace {

Status Invalid(std::string_view text, const std::string& why) {
  return Status::Invalid("cannot listen on '" + std::string(text) + "': " + why);
}

}  // namespace

std::string ListenAddress::ToString() const {
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress a;
  std::string_view host, port;
  if (IsAllDigits(text)) {
    host = "127.0.0.1";
    port = text;
  } else if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return Invalid(text, "write an IPv6 address as [ADDR]:PORT, e.g. [::1]:9724");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return Invalid(text, "give ADDR:PORT or PORT, e.g. 127.0.0.1:9724");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return Invalid(text, "write an IPv6 address in brackets, e.g. [::1]:9724");
    if (host.empty()) host = "0.0.0.0";  // ":PORT": every interface
    if (host == "localhost") host = "127.0.0.1";
  }
  if (port.size() > 5 || !IsAllDigits(port))
    return Invalid(text, "the port must be a number from 0 to 65535");
  const long n = std::stol(std::string(port));
  if (n > 65535) return Invalid(text, "the port must be a number from 0 to 65535");
  a.port = static_cast<uint16_t>(n);
  a.host = std::string(host);
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, a.host.c_str(), &v4) == 1) {
    a.loopback = (ntohl(v4.s_addr) >> 24) == 127;
  } else if (inet_pton(AF_INET6, a.host.c_str(), &v6) == 1) {
    a.ipv6 = true;
    a.loopback = IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  } else {
    return Invalid(text, "'" + a.host +
                             "' is not an IP address; give one (127.0.0.1, ::1, 0.0.0.0) or "
                             "'localhost'");
  }
  return a;
}

bool SecretsEqual(std::string_view a, std::string_view b) {
  unsigned diff = a.size() != b.size() ? 1U : 0U;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = i < b.size() ? static_cast<unsigned char>(b[i]) : static_cast<unsigned char>(~x);
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

namespace {

struct MhdApi {
  decltype(&MHD_start_daemon) start = nullptr;
  decltype(&MHD_stop_daemon) stop = nullptr;
  decltype(&MHD_create_response_from_buffer) create = nullptr;
  decltype(&MHD_add_response_header) add_header = nullptr;
  decltype(&MHD_queue_response) queue = nullptr;
  decltype(&MHD_destroy_response) destroy = nullptr;
  decltype(&MHD_get_connection_values) values = nullptr;
  std::string error;
};

template <typename F>
void Bind(void* h, const char* name, F& f, std::string& error) {
  f = reinterpret_cast<F>(dlsym(h, name));
  if (!f && error.empty()) error = std::string("libmicrohttpd lacks ") + name;
}

// Loads libmicrohttpd once; error is set when it is not installed.
const MhdApi& Mhd() {
  static const MhdApi api = [] {
    MhdApi a;
    void* h = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      a.error = std::string("cannot load libmicrohttpd (install libmicrohttpd12): ") + dlerror();
      return a;
    }
    Bind(h, "MHD_start_daemon", a.start, a.error);
    Bind(h, "MHD_stop_daemon", a.stop, a.error);
    Bind(h, "MHD_create_response_from_buffer", a.create, a.error);
    Bind(h, "MHD_add_response_header", a.add_header, a.error);
    Bind(h, "MHD_queue_response", a.queue, a.error);
    Bind(h, "MHD_destroy_response", a.destroy, a.error);
    Bind(h, "MHD_get_connection_values", a.values, a.error);
    return a;
  }();
  return api;
}

MHD_Result Collect(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto& into = *static_cast<std::map<std::string, std::string>*>(cls);
  if (key) {
    std::string name = key;
    into[std::move(name)] = value ? value : "";
  }
  return MHD_YES;
}

MHD_Result CollectLower(void* cls, MHD_ValueKind kind, const char* key, const char* value) {
  if (!key) return MHD_YES;
  std::string name = key;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return Collect(cls, kind, name.c_str(), value);
}

using Headers = std::vector<std::pair<std::string, std::string>>;

MHD_Result Send(MHD_Connection* c, const HttpResponse& r, const Headers& always) {
  const MhdApi& api = Mhd();
  MHD_Response* resp =
      api.create(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!resp) return MHD_NO;
  api.add_header(resp, "Content-Type", r.content_type.c_str());
  for (const auto& [name, value] : always) api.add_header(resp, name.c_str(), value.c_str());
  for (const auto& [name, value] : r.headers) api.add_header(resp, name.c_str(), value.c_str());
  const MHD_Result ok = api.queue(c, static_cast<unsigned>(r.status), resp);
  api.destroy(resp);
  return ok;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// libmicrohttpd's %XX decoding, but for %00: a NUL would cut the path
// short ("/metrics%00.html" read as "/metrics"), so it is left as written.
size_t Unescape(void*, MHD_Connection*, char* s) {
  char* out = s;
  for (const char* in = s; *in;) {
    if (in[0] == '%' && HexValue(in[1]) >= 0 && HexValue(in[2]) >= 0 &&
        (in[1] != '0' || in[2] != '0')) {
      *out++ = static_cast<char>(HexValue(in[1]) * 16 + HexValue(in[2]));
      in += 3;
    } else {
      *out++ = *in++;
    }
  }
  *out = '\0';
  return static_cast<size_t>(out - s);
}

// A socket bound to `address` and listening: the descriptor.
Result<int> BindListening(const ListenAddress& address) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (address.ipv6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(address.port);
    inet_pton(AF_INET6, address.host.c_str(), &s6->sin6_addr);
    len = sizeof *s6;
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(address.port);
    inet_pton(AF_INET, address.host.c_str(), &s4->sin_addr);
    len = sizeof *s4;
  }
  const int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return Status::Error(StatusCode::kIoError, "cannot make a socket: " + SystemErrorText(errno));
  const int one = 1;
  (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, 128) != 0) {
    const int err = errno;
    close(fd);
    return Status::Error(StatusCode::kIoError,
                         "cannot listen on " + address.ToString() + ": " + SystemErrorText(err));
  }
  return fd;
}

}  // namespace

Status ProbeListen(const ListenAddress& address) {
  auto fd = BindListening(address);
  if (!fd.ok()) return fd.status();
  close(*fd);
  return Status::Ok();
}

struct HttpServer::Impl {
  HttpHandler handler;
  Headers always;
  MHD_Daemon* daemon = nullptr;

  static MHD_Result OnRequest(void* cls, MHD_Connection* c, const char* url, const char* method,
                              const char*, const char*, size_t* upload_size, void** state) {
    auto* self = static_cast<Impl*>(cls);
    const std::string m = method ? method : "";
    if (m != "GET" && m != "HEAD") {
      // Read-only: refused before any body is read.
      HttpResponse r{405, "text/plain; charset=utf-8", "only GET and HEAD are served\n", {}};
      r.headers.emplace_back("Allow", "GET, HEAD");
      return Send(c, r, self->always);
    }
    HttpRequest req;
    Mhd().values(c, MHD_HEADER_KIND, &CollectLower, &req.headers);
    static int seen;
    if (*state == nullptr) {  // the headers are in; a body would come next
      *state = &seen;
      auto length = req.headers.find("content-length");
      if ((length != req.headers.end() && length->second != "0") ||
          req.headers.count("transfer-encoding") > 0) {
        // A GET has no body to read: refused before reading it, so that no
        // client streams one for ever.
        return Send(c,
                    HttpResponse{400, "text/plain; charset=utf-8", "a GET carries no body\n", {}},
                    self->always);
      }
      return MHD_YES;
    }
    if (*upload_size != 0) {
      *upload_size = 0;
      return MHD_YES;
    }
    req.method = m;
    req.path = url ? url : "/";
    Mhd().values(c, MHD_GET_ARGUMENT_KIND, &Collect, &req.args);
    HttpResponse r;
    try {
      r = self->handler(req);
    } catch (const std::exception& e) {
      r = HttpResponse{
          500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what() + "\n", {}};
    }
    return Send(c, r, self->always);
  }
};

HttpServer::HttpServer(ListenAddress address, std::unique_ptr<Impl> impl)
    : address_(std::move(address)), impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  if (impl_ && impl_->daemon) Mhd().stop(impl_->daemon);  // closes the socket too
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ListenAddress& address,
                                                      HttpHandler handler,
                                                      const HttpServerLimits& limits) {
  const MhdApi& api = Mhd();
  if (!api.error.empty()) return Status::Error(StatusCode::kIoError, api.error);
  // The socket is bound here, not by libmicrohttpd, so that a failure says why.
  auto bound_fd = BindListening(address);
  if (!bound_fd.ok()) return bound_fd.status();
  const int fd = *bound_fd;
  ListenAddress bound = address;
  sockaddr_storage got{};
  socklen_t got_len = sizeof got;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&got), &got_len) == 0)
    bound.port = ntohs(got.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&got)->sin6_port
                                                 : reinterpret_cast<sockaddr_in*>(&got)->sin_port);
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  impl->always = limits.headers;
  unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD;
  if (address.ipv6) flags |= MHD_USE_IPv6;
  // One address may hold only so many connections (a trickle of header
  // bytes keeps one open past any idle timeout): beyond loopback, where an
  // address is a client.
  const unsigned per_address = address.loopback ? 0U : limits.per_address;
  impl->daemon = api.start(
      flags, 0, nullptr, nullptr, &Impl::OnRequest, impl.get(), MHD_OPTION_LISTEN_SOCKET, fd,
      MHD_OPTION_THREAD_POOL_SIZE, limits.threads, MHD_OPTION_CONNECTION_LIMIT, limits.connections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_address, MHD_OPTION_CONNECTION_TIMEOUT,
      limits.idle_timeout_s, MHD_OPTION_UNESCAPE_CALLBACK, &Unescape, nullptr, MHD_OPTION_END);
  if (!impl->daemon) {
    close(fd);
    return Status::Error(StatusCode::kIoError,
                         "libmicrohttpd could not start serving " + bound.ToString());
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(bound), std::move(impl)));
}

}  // namespace surety
