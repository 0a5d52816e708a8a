// MakeCurlPoster (declared in alert.h): HTTP POST through libcurl.
//
// libcurl is loaded with dlopen() on the first POST instead of being linked:
// it pulls in some forty libraries (TLS, Kerberos, LDAP, ...), whose loading
// and relocation cost every `surety run` ~15 ms although most runs never
// send an alert. Only the header is used at build time.

#include <curl/curl.h>
#include <dlfcn.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

#include "alert/alert.h"

namespace surety {

namespace {

struct CurlApi {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
  std::string error;
};

// Loads libcurl once; error is set when it is not installed.
const CurlApi& Curl() {
  static const CurlApi api = [] {
    CurlApi a;
    void* h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      a.error = std::string("cannot load libcurl (install libcurl4): ") + dlerror();
      return a;
    }
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      if (!fn && a.error.empty()) a.error = std::string("libcurl lacks ") + name;
    };
    sym(a.global_init, "curl_global_init");
    sym(a.easy_init, "curl_easy_init");
    sym(a.easy_cleanup, "curl_easy_cleanup");
    sym(a.easy_setopt, "curl_easy_setopt");
    sym(a.easy_perform, "curl_easy_perform");
    sym(a.easy_getinfo, "curl_easy_getinfo");
    sym(a.easy_strerror, "curl_easy_strerror");
    sym(a.slist_append, "curl_slist_append");
    sym(a.slist_free_all, "curl_slist_free_all");
    return a;
  }();
  return api;
}

size_t DiscardBody(char* /*data*/, size_t size, size_t nmemb, void* /*user*/) {
  return size * nmemb;
}

struct EasyDeleter {
  void operator()(CURL* h) const { Curl().easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { Curl().slist_free_all(l); }
};

class CurlPoster final : public HttpPoster {
 public:
  Result<int> Post(const std::string& url, const std::string& content_type, const std::string& body,
                   Micros timeout) override {
    const CurlApi& api = Curl();
    if (!api.error.empty()) return Status::Error(StatusCode::kInternal, api.error);
    static std::once_flag init_once;
    static CURLcode init_rc = CURLE_OK;
    std::call_once(init_once, [&api] { init_rc = api.global_init(CURL_GLOBAL_DEFAULT); });
    if (init_rc != CURLE_OK) {
      return Status::Error(StatusCode::kInternal,
                           std::string("libcurl: ") + api.easy_strerror(init_rc));
    }

    std::unique_ptr<CURL, EasyDeleter> h(api.easy_init());
    if (!h) return Status::Error(StatusCode::kInternal, "libcurl: cannot create a handle");

    curl_slist* raw = nullptr;
    raw = api.slist_append(raw, ("Content-Type: " + content_type).c_str());
    raw = api.slist_append(raw, "Expect:");  // no 100-continue round trip
    std::unique_ptr<curl_slist, SlistDeleter> headers(raw);

    const long timeout_ms =
        static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
    char error[CURL_ERROR_SIZE] = "";
    CURL* c = h.get();
    api.easy_setopt(c, CURLOPT_URL, url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
    api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    api.easy_setopt(c, CURLOPT_POST, 1L);
    api.easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    api.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    api.easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    api.easy_setopt(c, CURLOPT_USERAGENT, "surety");
    api.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    api.easy_setopt(c, CURLOPT_WRITEFUNCTION, DiscardBody);
    api.easy_setopt(c, CURLOPT_ERRORBUFFER, error);

    CURLcode rc = api.easy_perform(c);
    if (rc != CURLE_OK) {
      // The error buffer may quote the URL, which is a secret.
      return Status::Error(StatusCode::kIoError,
                           Redact(error[0] ? error : api.easy_strerror(rc), url));
    }
    long code = 0;
    api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return static_cast<int>(code);
  }
};

}  // namespace

std::unique_ptr<HttpPoster> MakeCurlPoster() { return std::make_unique<CurlPoster>(); }

}  // namespace surety
