// JournalWriter: structured entries for the systemd journal.
//
// For: journal alerts (alert/alert.h), which send one entry of FIELD=value
// pairs per event. Injected so that tests need no journald: they use
// RecordingJournalWriter (os/fake_journal.h). Not for: surety's own log
// lines, which go to stderr (os/log.h) and reach the journal from there when
// systemd runs surety.
//
// The real writer calls libsystemd's sd_journal_sendv(). libsystemd is loaded
// with dlopen() on the first Send(), as libcurl is: linking it would load it
// and its compression and crypto libraries into every `surety run`
// (docs/libraries.md), although few runs ever send a journal alert.
//
// Thread-safety: RealJournalWriter is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace surety {

// Where journald listens for native-protocol entries.
inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

class JournalWriter {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;
  virtual ~JournalWriter() = default;
  // Sends one entry. Names are journal field names (upper-case letters,
  // digits and '_', not starting with '_'); values may hold any bytes.
  // Returns ok once journald has the entry, or an error saying why not
  // ("cannot reach journald: …; is systemd-journald running?").
  virtual Status Send(const Fields& fields) = 0;
};

// The writer through sd_journal_sendv(). `socket` is where journald is
// looked for before sending: libsystemd drops an entry silently when the
// socket does not exist (a container, a build machine), which for an alert
// would be a delivery nobody got. Tests pass a path that does not exist.
std::unique_ptr<JournalWriter> MakeSdJournalWriter(std::string socket = kJournalSocket);

// Whether `name` may name a field of a journal entry: 1 to 64 characters of
// A-Z, 0-9 and '_', not starting with '_' or a digit (sd_journal_sendv()
// refuses the rest, or journald drops them).
bool IsJournalFieldName(const std::string& name);

}  // namespace surety
