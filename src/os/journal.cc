#include "os/journal.h"

// The location macros would turn sd_journal_sendv into
// sd_journal_sendv_with_location and add surety's own source file and line
// to every entry.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include <cerrno>
#include <string>
#include <type_traits>

#include "base/strings.h"

namespace surety {

namespace {

struct SdJournalApi {
  decltype(&sd_journal_sendv) sendv = nullptr;
  std::string error;
};

// Loads libsystemd once; error is set when it is not installed.
const SdJournalApi& SdJournal() {
  static const SdJournalApi api = [] {
    SdJournalApi a;
    void* h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      a.error = std::string("cannot load libsystemd (install libsystemd0): ") + dlerror();
      return a;
    }
    a.sendv =
        reinterpret_cast<std::remove_reference_t<decltype(a.sendv)>>(dlsym(h, "sd_journal_sendv"));
    if (!a.sendv) a.error = "libsystemd lacks sd_journal_sendv";
    return a;
  }();
  return api;
}

Status Unreachable(const std::string& why) {
  return Status::Error(StatusCode::kIoError,
                       "cannot reach journald: " + why + "; is systemd-journald running?");
}

class SdJournalWriter final : public JournalWriter {
 public:
  explicit SdJournalWriter(std::string socket) : socket_(std::move(socket)) {}

  Status Send(const Fields& fields) override {
    for (const auto& [name, value] : fields)
      if (!IsJournalFieldName(name))
        return Status::Invalid("not a journal field name: '" + name + "'");
    // libsystemd reports success when the socket is missing (it drops the
    // entry "silently if the journal is not available"): look first.
    struct stat st {};
    if (stat(socket_.c_str(), &st) != 0)
      return Unreachable(socket_ + ": " + SystemErrorText(errno));
    if (!S_ISSOCK(st.st_mode)) return Unreachable(socket_ + " is not a socket");
    const SdJournalApi& api = SdJournal();
    if (!api.error.empty()) return Status::Error(StatusCode::kInternal, api.error);
    std::vector<std::string> items;
    items.reserve(fields.size());
    for (const auto& [name, value] : fields) items.push_back(name + "=" + value);
    std::vector<iovec> iov(items.size());
    for (size_t i = 0; i < items.size(); ++i) iov[i] = {items[i].data(), items[i].size()};
    const int rc = api.sendv(iov.data(), static_cast<int>(iov.size()));
    if (rc < 0) return Unreachable(SystemErrorText(-rc));
    return Status::Ok();
  }

 private:
  std::string socket_;
};

}  // namespace

bool IsJournalFieldName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '_' || (name[0] >= '0' && name[0] <= '9'))
    return false;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::unique_ptr<JournalWriter> MakeSdJournalWriter(std::string socket) {
  return std::make_unique<SdJournalWriter>(std::move(socket));
}

}  // namespace surety
