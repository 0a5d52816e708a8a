#include "alert/outbox.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/strings.h"
#include "store/run_journal.h"

namespace surety {

namespace {

constexpr std::string_view kSuffix = ".alert";

bool IsEntryName(const std::string& name) {
  return name.size() > kSuffix.size() &&
         name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

std::string Encode(const OutboxEntry& e) {
  nlohmann::json head = {{"key", e.key},
                         {"alert", e.alert},
                         {"event", AlertEventName(e.event)},
                         {"attempts", e.attempts},
                         {"first_attempt_at_us", e.first_attempt_at.time_since_epoch().count()}};
  return head.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n" +
         EncodeJournalEntry(JournalEntry{e.record, 0});
}

std::optional<OutboxEntry> Decode(const std::string& text) {
  const size_t nl = text.find('\n');
  if (nl == std::string::npos) return std::nullopt;
  auto head = nlohmann::json::parse(text.substr(0, nl), nullptr, false);
  if (head.is_discarded() || !head.is_object()) return std::nullopt;
  std::string_view line = std::string_view(text).substr(nl + 1);
  while (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  auto record = ParseJournalEntry(line, /*unnumbered_ok=*/true);
  if (!record) return std::nullopt;
  OutboxEntry e;
  try {
    e.key = head.at("key").get<std::string>();
    e.alert = head.at("alert").get<std::string>();
    auto event = AlertEventFromName(head.at("event").get<std::string>());
    if (!event) return std::nullopt;
    e.event = *event;
    e.attempts = head.at("attempts").get<int>();
    e.first_attempt_at = Instant{Micros{head.at("first_attempt_at_us").get<int64_t>()}};
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a field missing or of another type: not ours
  }
  e.record = std::move(record->record);
  return e;
}

}  // namespace

Outbox::Outbox(const std::string& state_dir, DataFiles& files)
    : dir_(state_dir + "/outbox"), log_dir_(state_dir + "/deliveries"), files_(files) {}

namespace {

constexpr uint64_t kDeliveryLogMax = 256 * 1024;

std::string EncodeNote(const DeliveryNote& n) {
  nlohmann::json j = {{"at_us", n.at.time_since_epoch().count()},
                      {"job", n.job},
                      {"run_id", n.run_id},
                      {"alert", n.alert},
                      {"event", AlertEventName(n.event)},
                      {"key", n.key},
                      {"sent", n.sent}};
  if (!n.sent) j["error"] = n.error;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<DeliveryNote> DecodeNote(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  DeliveryNote n;
  try {
    n.at = Instant{Micros{j.at("at_us").get<int64_t>()}};
    n.job = j.at("job").get<std::string>();
    n.run_id = j.at("run_id").get<int64_t>();
    n.alert = j.at("alert").get<std::string>();
    auto event = AlertEventFromName(j.at("event").get<std::string>());
    if (!event) return std::nullopt;
    n.event = *event;
    n.key = j.at("key").get<std::string>();
    n.sent = j.at("sent").get<bool>();
    if (!n.sent && j.contains("error")) n.error = j.at("error").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

std::string Outbox::LogPath(const std::string& job) const {
  return log_dir_ + "/" + FileNameWord(job) + ".log";
}

Status Outbox::NoteDelivery(const DeliveryNote& note) {
  if (Status s = files_.MakeDirectory(log_dir_); !s.ok()) return s;
  const std::string path = LogPath(note.job);
  for (int round = 0; round < 2; ++round) {
    auto file = files_.Open(path);
    if (!file.ok()) return file.status();
    if (!*file) {
      file = files_.Create(path);
      if (!file.ok()) continue;  // created by another process meanwhile
    }
    // The lock, and the file still the one named path (not rotated away).
    bool locked = false;
    for (int i = 0; i < 10000 && !locked; ++i) {
      auto got = (*file)->TryLock();
      if (!got.ok()) return got.status();
      locked = *got;
      if (!locked) std::this_thread::yield();
    }
    if (!locked) return Status::Error(StatusCode::kBusy, path + " stayed locked");
    if (!(*file)->IsCurrent()) continue;
    auto size = (*file)->Size();
    if (!size.ok()) return size.status();
    if (*size > kDeliveryLogMax) {
      if (Status s = files_.Rename(path, path + ".1"); !s.ok()) return s;
      continue;  // a new file, under its own lock
    }
    return (*file)->WriteAt(*size, EncodeNote(note));
  }
  return Status::Error(StatusCode::kBusy, "could not append to " + path);
}

Result<std::vector<DeliveryNote>> Outbox::Deliveries(const std::string& job, size_t limit) {
  std::vector<DeliveryNote> out;
  for (const std::string& path : {LogPath(job), LogPath(job) + ".1"}) {
    auto file = files_.Open(path);
    if (!file.ok()) return file.status();
    if (!*file) continue;
    auto size = (*file)->Size();
    if (!size.ok()) return size.status();
    std::string text(*size, '\0');
    auto got = (*file)->ReadAt(0, text.data(), text.size());
    if (!got.ok()) return got.status();
    text.resize(*got);
    std::vector<DeliveryNote> notes;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) break;  // a line being written
      if (auto n = DecodeNote(std::string_view(text).substr(start, end - start))) {
        notes.push_back(std::move(*n));
      }
      start = end + 1;
    }
    for (auto it = notes.rbegin(); it != notes.rend() && out.size() < limit; ++it)
      out.push_back(std::move(*it));
    if (out.size() >= limit) break;
  }
  return out;
}

Status Outbox::Write(const std::string& path, const OutboxEntry& entry, bool create) {
  auto file = create ? files_.Create(path) : files_.Open(path);
  if (!file.ok()) return file.status();
  if (!*file) return Status::Error(StatusCode::kNotFound, path + " is gone");
  const std::string text = Encode(entry);
  Status s = (*file)->Truncate(0);
  if (s.ok()) s = (*file)->WriteAt(0, text);
  if (s.ok()) s = (*file)->Sync();
  if (s.ok() && create) s = files_.SyncDirectory(dir_);
  if (!s.ok() && create) {
    file->reset();
    (void)files_.Remove(path);  // half an entry is worth nothing
  }
  return s;
}

Result<std::string> Outbox::Put(OutboxEntry entry) {
  if (Status s = files_.MakeDirectory(dir_); !s.ok()) return s;
  // Sorted by name is oldest first: the time the entry was made leads.
  char stamp[24];
  std::snprintf(stamp, sizeof stamp, "%020lld",
                static_cast<long long>(entry.first_attempt_at.time_since_epoch().count()));
  entry.path = dir_ + "/" + stamp + "-" + JournalGenText(files_.Random()) + std::string(kSuffix);
  if (Status s = Write(entry.path, entry, /*create=*/true); !s.ok()) return s;
  return entry.path;
}

Status Outbox::Remove(const std::string& path) { return files_.Remove(path); }

Status Outbox::CountAttempt(OutboxEntry& entry) {
  ++entry.attempts;
  return Write(entry.path, entry, /*create=*/false);
}

Result<std::vector<OutboxEntry>> Outbox::Pending(const std::optional<std::string>& job) {
  std::vector<OutboxEntry> out;
  auto names = files_.List(dir_);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (!IsEntryName(name)) continue;
    const std::string path = dir_ + "/" + name;
    auto file = files_.Open(path);
    if (!file.ok() || !*file) continue;  // delivered by someone else meanwhile
    auto size = (*file)->Size();
    if (!size.ok()) continue;
    std::string text(*size, '\0');
    auto got = (*file)->ReadAt(0, text.data(), text.size());
    if (!got.ok()) continue;
    text.resize(*got);
    std::optional<OutboxEntry> entry = Decode(text);
    if (!entry) continue;
    if (job && entry->record.job != *job) continue;
    entry->path = path;
    out.push_back(std::move(*entry));
  }
  return out;
}

namespace {
constexpr std::string_view kElsewhere = "being delivered by another process, or delivered";
}  // namespace

bool DeliveredElsewhere(const Status& s) {
  return s.code() == StatusCode::kBusy && s.message().rfind(kElsewhere, 0) == 0;
}

Result<std::unique_ptr<DataFile>> Outbox::Claim(const std::string& path) {
  auto file = files_.Open(path);
  if (!file.ok() || !*file) return file;
  auto locked = (*file)->TryLock();
  if (!locked.ok()) return locked.status();
  // Held, and still the entry (not removed by whoever held it before).
  if (!*locked || !(*file)->IsCurrent()) return std::unique_ptr<DataFile>();
  return file;
}

Status DeliverEntry(Outbox* outbox, const AlertSpec& alert, OutboxEntry& entry, AlertEnv& env,
                    Instant now) {
  std::unique_ptr<DataFile> claim;
  if (outbox && !entry.path.empty()) {
    auto c = outbox->Claim(entry.path);
    if (c.ok() && !*c)
      return Status::Error(StatusCode::kBusy, std::string(kElsewhere) + ": " + entry.key);
    if (c.ok()) claim = std::move(*c);  // else (cannot even open it) deliver all the same
  }
  Status s = DeliverAlert(alert, entry.record, entry.event, env, entry.key);
  if (outbox) {
    // Noted first: a runner killed after the removal would leave a
    // delivery that happened and is nowhere written down.
    (void)outbox->NoteDelivery(DeliveryNote{now, entry.record.job, entry.record.id, entry.alert,
                                            entry.event, entry.key, s.ok(),
                                            s.ok() ? "" : s.message()});
    if (!entry.path.empty()) {
      if (s.ok())
        (void)outbox->Remove(entry.path);
      else
        (void)outbox->CountAttempt(entry);
    }
  }
  return s;
}

DrainReport DrainOutbox(Outbox& outbox, const std::map<std::string, AlertSpec>& alerts,
                        AlertEnv& env, Instant now, const std::optional<std::string>& job,
                        const std::set<std::string>& skip_keys) {
  DrainReport report;
  auto pending = outbox.Pending(job);
  if (!pending.ok()) {
    report.problems.push_back("cannot read the outbox: " + pending.status().message());
    return report;
  }
  for (OutboxEntry& e : *pending) {
    if (skip_keys.count(e.key) > 0) continue;
    auto alert = alerts.find(e.alert);
    const bool too_old = now - e.first_attempt_at > kOutboxGiveUpAfter;
    if (alert == alerts.end() || too_old) {
      ++report.given_up;
      report.problems.push_back(
          "gave up " + e.key + " after " + std::to_string(e.attempts) + " attempts: " +
          (too_old ? "undelivered for a week" : "the alert '" + e.alert + "' no longer exists"));
      (void)outbox.Remove(e.path);
      continue;
    }
    Status s = DeliverEntry(&outbox, alert->second, e, env, now);
    if (DeliveredElsewhere(s)) continue;
    if (s.ok()) {
      ++report.delivered;
    } else {
      ++report.failed;
      report.problems.push_back("could not deliver " + e.key + ": " + s.message());
    }
  }
  return report;
}

}  // namespace surety
