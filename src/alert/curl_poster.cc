// MakeCurlPoster (declared in alert.h): HTTP POST through libcurl.

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "alert/alert.h"

namespace surety {

namespace {

size_t DiscardBody(char* /*data*/, size_t size, size_t nmemb, void* /*user*/) {
  return size * nmemb;
}

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

class CurlPoster final : public HttpPoster {
 public:
  Result<int> Post(const std::string& url, const std::string& content_type, const std::string& body,
                   Micros timeout) override {
    static std::once_flag init_once;
    static CURLcode init_rc = CURLE_OK;
    std::call_once(init_once, [] { init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (init_rc != CURLE_OK) {
      return Status::Error(StatusCode::kInternal,
                           std::string("libcurl: ") + curl_easy_strerror(init_rc));
    }

    std::unique_ptr<CURL, EasyDeleter> h(curl_easy_init());
    if (!h) return Status::Error(StatusCode::kInternal, "libcurl: cannot create a handle");

    curl_slist* raw = nullptr;
    raw = curl_slist_append(raw, ("Content-Type: " + content_type).c_str());
    raw = curl_slist_append(raw, "Expect:");  // no 100-continue round trip
    std::unique_ptr<curl_slist, SlistDeleter> headers(raw);

    const long timeout_ms =
        static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
    char error[CURL_ERROR_SIZE] = "";
    CURL* c = h.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_USERAGENT, "surety");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, DiscardBody);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);

    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      // The error buffer may quote the URL, which is a secret.
      std::string why = error[0] ? error : curl_easy_strerror(rc);
      for (size_t pos; !url.empty() && (pos = why.find(url)) != std::string::npos;) {
        why.replace(pos, url.size(), "<redacted>");
      }
      return Status::Error(StatusCode::kIoError, why);
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return static_cast<int>(code);
  }
};

}  // namespace

std::unique_ptr<HttpPoster> MakeCurlPoster() { return std::make_unique<CurlPoster>(); }

}  // namespace surety
