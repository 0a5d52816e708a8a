#include "alert/alert_policy.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace surety {

namespace {

std::string Key(const AlertSubject& who, Health state, Instant since, std::string_view event) {
  std::string key;
  key.append(who.host).append("/").append(who.job).append("/");
  key.append(HealthName(state)).append("/");
  key.append(std::to_string(since.time_since_epoch().count())).append("/");
  key.append(event).append("/").append(who.alert);
  return key;
}

// An instant as stored: microseconds in [0, kMaxSpan], so that differences
// of stored instants and of instants of this era cannot overflow.
std::optional<Instant> StoredInstant(const nlohmann::json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  int64_t v = 0;
  if (it->is_number_unsigned()) {
    const auto u = it->get<uint64_t>();
    if (u > static_cast<uint64_t>(kMaxSpan.count())) return std::nullopt;
    v = static_cast<int64_t>(u);
  } else {
    v = it->get<int64_t>();
  }
  if (v < 0 || v > kMaxSpan.count()) return std::nullopt;
  return Instant{Micros{v}};
}

}  // namespace

std::optional<AlertEvent> AlertEventForHealth(Health health) {
  switch (health) {
    case Health::kFailing:
      return AlertEvent::kFailure;
    case Health::kOverdue:
      return AlertEvent::kOverdue;
    case Health::kStuck:
      return AlertEvent::kStuck;
    case Health::kBroken:
      return AlertEvent::kBroken;
    case Health::kWarning:
      return AlertEvent::kWarning;
    case Health::kOk:
    case Health::kPending:
    case Health::kRunning:
      return std::nullopt;
  }
  return std::nullopt;
}

bool HealthAlerts(Health health, const AlertPolicySettings& settings) {
  if (health == Health::kWarning) return settings.warnings;
  return AlertEventForHealth(health).has_value();
}

AlertDecision DecideAlert(const AlertedState& last, Health health, Instant now,
                          const AlertPolicySettings& settings, const AlertSubject& subject) {
  AlertDecision d;
  d.next = last;
  // Only a bad state is ever stored; anything else is the empty state.
  const std::optional<Health> alerted =
      last.health && AlertEventForHealth(*last.health) ? last.health : std::nullopt;
  if (!alerted) d.next = AlertedState{};

  if (!HealthAlerts(health, settings)) {
    if (alerted) {
      d.event = AlertEvent::kRecovery;
      d.about = *alerted;
      d.key = Key(subject, *alerted, last.since, AlertEventName(AlertEvent::kRecovery));
      d.next = AlertedState{};
    }
    return d;
  }

  if (alerted != health) {  // into a bad state, or from one to another
    d.event = AlertEventForHealth(health);
    d.about = health;
    d.key = Key(subject, health, now, AlertEventName(*d.event));
    d.next = AlertedState{health, now, now};
    return d;
  }

  // The same bad state: a reminder at each whole multiple of `repeat`.
  if (settings.repeat <= Micros{0} || now < last.since) return d;
  const int64_t reached = (now - last.since) / settings.repeat;
  const int64_t sent =
      last.last_sent < last.since ? 0 : (last.last_sent - last.since) / settings.repeat;
  if (reached >= 1 && reached > sent) {
    d.event = AlertEvent::kReminder;
    d.about = health;
    d.reminder = static_cast<int>(std::min<int64_t>(reached, INT32_MAX));
    d.key = Key(subject, health, last.since, "reminder-" + std::to_string(d.reminder));
    d.next.last_sent = now;
  }
  return d;
}

std::string AlertedState::ToText() const {
  nlohmann::ordered_json j;
  if (!health) {
    j["alerted"] = nullptr;
    return j.dump();
  }
  j["alerted"] = std::string(HealthName(*health));
  j["since_us"] = since.time_since_epoch().count();
  j["sent_us"] = last_sent.time_since_epoch().count();
  return j.dump();
}

AlertedState AlertedState::FromText(std::string_view line) {
  // No exceptions: a line that is not JSON comes back discarded.
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return {};
  const auto alerted = j.find("alerted");
  if (alerted == j.end() || !alerted->is_string()) return {};
  const std::optional<Health> health = HealthFromName(alerted->get_ref<const std::string&>());
  if (!health || !AlertEventForHealth(*health)) return {};
  const std::optional<Instant> since = StoredInstant(j, "since_us");
  const std::optional<Instant> sent = StoredInstant(j, "sent_us");
  if (!since || !sent || *sent < *since) return {};
  return AlertedState{health, *since, *sent};
}

}  // namespace surety
