// RecordingJournalWriter: the JournalWriter tests use instead of journald.
//
// Records every entry it is given and answers with `answer` (ok by default),
// so a test can see exactly which fields an alert sends and make journald
// unreachable. Thread-compatible.
#pragma once

#include <vector>

#include "os/journal.h"

namespace surety {

class RecordingJournalWriter final : public JournalWriter {
 public:
  Status Send(const Fields& fields) override {
    entries.push_back(fields);
    return answer;
  }
  std::vector<Fields> entries;
  Status answer = Status::Ok();
};

}  // namespace surety
