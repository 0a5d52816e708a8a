#include "alert/outbox.h"

#include <algorithm>
#include <nlohmann/json.hpp>

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

Outbox::Outbox(std::string state_dir, DataFiles& files)
    : dir_(std::move(state_dir) + "/outbox"), files_(files) {}

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

Status DeliverEntry(Outbox* outbox, const AlertSpec& alert, OutboxEntry& entry, AlertEnv& env) {
  Status s = DeliverAlert(alert, entry.record, entry.event, env, entry.key);
  if (outbox && !entry.path.empty()) {
    if (s.ok())
      (void)outbox->Remove(entry.path);
    else
      (void)outbox->CountAttempt(entry);
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
    Status s = DeliverEntry(&outbox, alert->second, e, env);
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
