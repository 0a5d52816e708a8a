// A simulated year: 1,000 jobs, their runs and their faults, judged by
// EvaluateHealth() and alerted by DecideAlert() as the daemon would, against
// a ground truth computed from the faults injected — never from the health
// function. Deterministic (fixed seed, no clock read but the wall time it
// prints, no sleeping). docs/health.md, "The simulated year", says how it is
// built and what it measured.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "alert/alert_policy.h"
#include "sched/health.h"
#include "sched/schedule.h"
#include "time/calendar_spec.h"
#include "time/timespan.h"
#include "time/timestamp.h"
#include "time/zone.h"

namespace surety {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr uint64_t kSeed = 0x5eed'2026'0001;
constexpr int kJobs = 1000;
constexpr Instant kYearStart{seconds{1767225600}};  // 2026-01-01 00:00:00 UTC
constexpr Instant kYearEnd = kYearStart + days(365);
// The daemon's evaluation interval: every job is judged on this grid.
constexpr Micros kTick = minutes(1);
// The sparse sweep between the instants where something changes (see
// VisitedTicks()).
constexpr Micros kSweep = hours(1);
constexpr Micros kRepeat = kDefaultAlertRepeat;
constexpr Micros kNever = kMaxSpan;

// splitmix64: the same numbers on every platform (std distributions are
// not specified exactly).
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  // Uniform in [lo, hi); lo when the range is empty.
  Micros Span(Micros lo, Micros hi) {
    if (hi <= lo) return lo;
    return lo + Micros{static_cast<int64_t>(Next() % static_cast<uint64_t>((hi - lo).count()))};
  }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& a) {
    return a[static_cast<size_t>(Below(static_cast<int>(N)))];
  }

 private:
  uint64_t s_;
};

Timespan Ts(Micros m) { return Timespan{static_cast<uint64_t>(m.count())}; }

struct Window {
  Instant from, to;  // [from, to)
  bool Contains(Instant t) const { return from <= t && t < to; }
};

// How a run ended, as the fault model made it.
enum class Out : uint8_t { kGood, kWarning, kFailure, kStopped };

struct Run {
  Instant start, finish;
  Out out = Out::kGood;
};

// The host and the daemon, for every job alike.
struct World {
  std::vector<Window> host_down;    // nothing runs, nothing evaluates
  std::vector<Window> daemon_down;  // nothing starts; `check --alert` still evaluates
};

enum class FaultKind { kFailure, kHang, kSilence, kBreak };
constexpr int kFaultKinds = 4;
constexpr const char* kFaultNames[kFaultKinds] = {"failed runs", "hangs", "silences", "breaks"};

struct SimJob {
  JobSpec spec;
  std::string label;  // the schedule's family, for the figures
  bool warnings = false;
  double warning_rate = 0;
  // The contract's quantities, computed here from the settings this file
  // chose (not by HealthSlack()/LongestRun()).
  Micros slack{0}, longest{0}, max_run{0};
  Instant first_seen;
  // Faults: a failure (or a burst) at the first run starting at or after
  // each instant; a hang likewise; silent and broken windows.
  std::vector<std::pair<Instant, int>> fail_at;
  std::vector<Instant> hang_at;
  std::vector<Window> silent, broken;

  // What happened: every elapse the daemon computed, the runs (sorted,
  // never overlapping) and the starts of skipped runs, which count as
  // starts.
  std::vector<Instant> elapses;
  std::vector<Run> runs;
  std::vector<Instant> starts;  // every start: runs and skipped ones, sorted
  int skipped = 0, catchups = 0;
};

// --- the world and the jobs ------------------------------------------------------

World MakeWorld(Rng& rng) {
  World w;
  // Outages well apart: five host downtimes of two hours to four days, two
  // daemon kills of a day.
  std::vector<Window> all;
  auto place = [&](Micros len) {
    for (;;) {
      const Instant from = kYearStart + days(10) + rng.Span(Micros{0}, days(340));
      const Window cand{from, from + len};
      bool clear = true;
      for (const Window& o : all)
        if (cand.from < o.to + days(12) && o.from < cand.to + days(12)) clear = false;
      if (clear) {
        all.push_back(cand);
        return cand;
      }
    }
  };
  for (Micros len :
       {Micros{hours(2)}, Micros{hours(9)}, Micros{hours(30)}, Micros{days(3)}, Micros{days(4)}})
    w.host_down.push_back(place(len + rng.Span(Micros{0}, hours(1))));
  for (int i = 0; i < 2; ++i) w.daemon_down.push_back(place(days(1)));
  auto by_start = [](const Window& a, const Window& b) { return a.from < b.from; };
  std::sort(w.host_down.begin(), w.host_down.end(), by_start);
  std::sort(w.daemon_down.begin(), w.daemon_down.end(), by_start);
  return w;
}

class Sim {
 public:
  Sim() {
    pc_.tzname[0] = local_->tzname(0);
    pc_.tzname[1] = local_->tzname(1);
    pc_.zones = &zones_;
    eval_ = CalendarEvalContext{local_.get(), &zones_, &state_};
  }

  const CalendarEvalContext& eval() const { return eval_; }

  std::optional<Instant> After(const JobSpec& job, Instant t) {
    std::vector<Instant> e = NextCalendarElapses(job, t, 1, eval_);
    if (e.empty()) return std::nullopt;
    return e.front();
  }

  SimJob MakeJob(int index, Rng& rng, const World& world) {
    SimJob j;
    j.spec.name = "job" + std::to_string(index);
    static constexpr std::array<const char*, 4> kZones = {"", " America/New_York", " Europe/Berlin",
                                                          " Australia/Lord_Howe"};
    const std::string zone = rng.Pick(kZones);
    // Around the changes of the day (02:00 in New York and Berlin, 02:00 and
    // 01:30 on Lord Howe) more often than elsewhere.
    const int hour = rng.Chance(0.3) ? 1 + rng.Below(3) : rng.Below(24);
    const int minute = rng.Chance(0.5) ? 30 : rng.Below(60);
    char hm[16];
    std::snprintf(hm, sizeof hm, "%02d:%02d", hour, minute);
    static constexpr std::array<const char*, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                         "Fri", "Sat", "Sun"};
    const int family = rng.Below(100);
    std::string spec;
    Micros period{0};  // the usual gap between elapses
    if (family < 3) {
      spec = "*:0/15";
      j.label = "every 15 min";
      period = minutes(15);
    } else if (family < 15) {
      spec = family % 2 ? "hourly" : "*:" + std::to_string(rng.Below(60));
      j.label = "hourly";
      period = hours(1);
    } else if (family < 60) {
      spec = family % 5 ? "*-*-* " + std::string(hm) : "daily";
      j.label = "daily";
      period = days(1);
    } else if (family < 68) {
      spec = "Mon..Fri " + std::string(hm);
      j.label = "weekdays";
      period = days(1);
    } else if (family < 80) {
      spec = family % 3 ? std::string(rng.Pick(kDays)) + " " + hm : "weekly";
      j.label = "weekly";
      period = days(7);
    } else if (family < 90) {
      spec = family % 2 ? "*-*-01 " + std::string(hm) : "monthly";
      j.label = "monthly";
      period = days(28);
    } else {
      spec = std::string(family % 2 ? "*-*~01 " : "*-*~03 ") + hm;
      j.label = "last days (~)";
      period = days(28);
    }
    spec += zone;
    auto parsed = ParseCalendarSpec(spec, pc_);
    EXPECT_TRUE(parsed.ok()) << spec;
    if (parsed.ok()) j.spec.schedule.push_back(*parsed);
    j.spec.schedule_text.push_back(spec);
    j.label += zone.empty() ? " UTC" : zone;

    // Slack below the period (validate warns otherwise), runs shorter than
    // the period.
    Micros grace, delay, timeout;
    if (period <= minutes(15)) {
      grace = minutes(5);
      delay = rng.Chance(0.5) ? minutes(2) : Micros{0};
      timeout = minutes(4);
      j.max_run = minutes(2);
    } else if (period <= hours(1)) {
      grace = rng.Pick(std::array<Micros, 3>{minutes(10), minutes(15), minutes(20)});
      delay = rng.Pick(std::array<Micros, 3>{Micros{0}, minutes(5), minutes(10)});
      timeout = minutes(20);
      j.max_run = minutes(8);
    } else {
      grace = rng.Pick(std::array<Micros, 4>{minutes(15), minutes(30), hours(1), Micros{-1}});
      delay = rng.Pick(std::array<Micros, 3>{Micros{0}, minutes(30), hours(2)});
      timeout = rng.Pick(std::array<Micros, 2>{hours(1), hours(3)});
      j.max_run = minutes(40);
    }
    const Micros accuracy = rng.Chance(0.5) ? seconds(1) : minutes(1);
    j.spec.accuracy = Ts(accuracy);
    j.spec.randomized_delay = Ts(delay);
    if (grace >= Micros{0}) j.spec.grace = Ts(grace);
    j.spec.timeout = Ts(timeout);
    j.spec.kill_grace = Ts(seconds(30));
    j.spec.persistent = rng.Chance(0.5);
    // The contract (docs/health.md), from the numbers above: an unset grace
    // is an hour; a run can take 1 min + timeout + kill_grace + 5 min.
    j.slack = delay + accuracy + (grace >= Micros{0} ? grace : hours(1));
    j.longest = minutes(1) + timeout + seconds(30) + minutes(5);

    j.first_seen = rng.Chance(0.9) ? kYearStart : kYearStart + rng.Span(Micros{0}, days(60));
    if (rng.Chance(0.1)) j.warning_rate = period >= days(1) ? 0.05 : 0.002;
    j.warnings = rng.Chance(0.5);

    // Faults, away from the outages (a broken or silent job across a daemon
    // restart would need the daemon's start-up rules, which are not under
    // test here).
    std::vector<Window> taken;
    for (const Window& w : world.host_down) taken.push_back(w);
    for (const Window& w : world.daemon_down) taken.push_back(w);
    auto place = [&](Micros len) -> std::optional<Window> {
      for (int tries = 0; tries < 50; ++tries) {
        const Instant from = j.first_seen + days(3) +
                             rng.Span(Micros{0}, (kYearEnd - days(20)) - (j.first_seen + days(3)));
        const Window cand{from, from + len};
        bool clear = true;
        for (const Window& o : taken)
          if (cand.from < o.to + days(2) && o.from < cand.to + days(2)) clear = false;
        if (clear) {
          taken.push_back(cand);
          return cand;
        }
      }
      return std::nullopt;
    };
    for (int n = rng.Below(3); n > 0; --n)
      if (auto w = place(period * 2)) j.fail_at.push_back({w->from, rng.Chance(0.2) ? 3 : 1});
    if (rng.Chance(0.3))
      if (auto w = place(period * 2)) j.hang_at.push_back(w->from);
    if (rng.Chance(0.5))
      if (auto w = place(std::max(rng.Span(hours(2), days(3)), period + period / 2)))
        j.silent.push_back(*w);
    if (rng.Chance(0.4))
      if (auto w = place(rng.Span(hours(1), days(4)))) j.broken.push_back(*w);
    std::sort(j.fail_at.begin(), j.fail_at.end());
    std::sort(j.hang_at.begin(), j.hang_at.end());
    return j;
  }

  // The runs the daemon starts: the next elapse after the last start (or
  // the last elapse no run answered), as NextDue() computes it; a start at
  // E + a random delay below randomized_delay + accuracy; nothing while the
  // host or the daemon is down, nor in a silent window; a persistent job
  // that missed an elapse in an outage catches up once when it ends; a start
  // while a run is still going is a skipped run.
  void Generate(SimJob& j, const World& world, Rng& rng) {
    const Micros window = SpanMicros(j.spec.randomized_delay) + SpanMicros(j.spec.accuracy);
    const Instant horizon = kYearEnd + days(35);
    auto outage_at = [&](Instant t) -> std::optional<Window> {
      for (const Window& w : world.host_down)
        if (w.Contains(t)) return w;
      for (const Window& w : world.daemon_down)
        if (w.Contains(t)) return w;
      return std::nullopt;
    };
    size_t next_fail = 0, next_hang = 0;
    int failures_left = 0;
    auto start = [&](Instant s) {
      j.starts.push_back(s);
      if (!j.runs.empty() && j.runs.back().finish > s) {
        ++j.skipped;  // the previous run still goes
        return;
      }
      Run r{s, s + rng.Span(seconds(5), j.max_run), Out::kGood};
      while (next_fail < j.fail_at.size() && j.fail_at[next_fail].first <= s)
        failures_left += j.fail_at[next_fail++].second;
      if (next_hang < j.hang_at.size() && j.hang_at[next_hang] <= s) {
        ++next_hang;
        r.finish = s + j.longest + rng.Span(minutes(1), hours(10));
        r.out = Out::kFailure;  // killed at last: a timeout
      } else if (failures_left > 0) {
        --failures_left;
        r.out = Out::kFailure;
      } else if (j.warning_rate > 0 && rng.Chance(j.warning_rate)) {
        r.out = Out::kWarning;
      }
      // A host going down stops the run (as an operator would).
      for (const Window& w : world.host_down)
        if (r.start < w.from && w.from < r.finish) {
          r.finish = w.from;
          r.out = Out::kStopped;
        }
      j.runs.push_back(r);
    };

    Instant cursor = j.first_seen - Micros{1};
    std::optional<Window> owed;  // a persistent job's missed slot
    for (;;) {
      std::optional<Instant> e = After(j.spec, cursor);
      if (!e || *e > horizon) break;
      if (owed && !owed->Contains(*e)) {
        // Back up before this elapse: the catch-up, once.
        const Instant s = owed->to + seconds(30) + rng.Span(Micros{0}, window);
        owed.reset();
        ++j.catchups;
        if (s >= *e) j.elapses.push_back(*e);  // answered by the catch-up
        start(s);
        cursor = s;
        continue;
      }
      j.elapses.push_back(*e);
      cursor = *e;
      if (std::optional<Window> w = outage_at(*e)) {
        if (j.spec.persistent) owed = w;
        continue;
      }
      bool silent = false;
      for (const Window& w : j.silent) silent = silent || w.Contains(*e);
      if (silent) continue;
      const Instant s = *e + rng.Span(Micros{0}, window);
      if (std::optional<Window> w = outage_at(s)) {
        if (j.spec.persistent) owed = w;
        continue;
      }
      start(s);
      cursor = s;
    }
  }

 private:
  ZoneDb zones_;
  std::shared_ptr<const Zone> local_ = zones_.LocalFromTz(std::string(":UTC"));
  MktimeState state_;
  CalendarParseContext pc_;
  CalendarEvalContext eval_;
};

// --- the ground truth -------------------------------------------------------------

// The health the contract gives at each instant, from what the fault model
// did: broken while a broken window lasts; stuck from start + longest run
// until the hung run ends; failing from a failed run's finish to the next
// counted finish; overdue from each unanswered elapse's deadline E + slack to
// the next start; warning, running, pending and ok likewise.
class Truth {
 public:
  explicit Truth(const SimJob& j) : j_(j) {
    // Overdue: [E_k + slack, the first start at or after E_k), merged.
    size_t s = 0;
    for (Instant e : j.elapses) {
      if (e < j.first_seen) continue;
      while (s < j.starts.size() && j.starts[s] < e) ++s;
      const Instant answered = s < j.starts.size() ? j.starts[s] : Instant{kNever};
      const Instant due = e + j.slack;
      if (answered <= due) continue;
      if (!overdue_.empty() && due <= overdue_.back().to)
        overdue_.back().to = std::max(overdue_.back().to, answered);
      else
        overdue_.push_back({due, answered});
    }
    // Every instant where the health may change; the health holds between.
    std::vector<Instant> cuts = {j.first_seen};
    for (const Run& r : j.runs) {
      cuts.push_back(r.start);
      cuts.push_back(r.finish);
      if (r.finish - r.start > j.longest) cuts.push_back(r.start + j.longest + Micros{1});
    }
    for (const Window& w : j.broken) cuts.insert(cuts.end(), {w.from, w.to});
    for (const Window& w : overdue_) cuts.insert(cuts.end(), {w.from, w.to});
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    for (Instant c : cuts) {
      if (c > kYearEnd + days(1)) break;
      const Health h = At(c);
      if (segments_.empty() || segments_.back().health != h) segments_.push_back({c, h});
    }
  }

  struct Segment {
    Instant from;  // until the next segment's
    Health health;
  };
  const std::vector<Segment>& segments() const { return segments_; }

  // The segment holding t (t ≥ first_seen), with a cursor for increasing t.
  const Segment& SegmentAt(Instant t, size_t& cursor) const {
    while (cursor + 1 < segments_.size() && segments_[cursor + 1].from <= t) ++cursor;
    return segments_[cursor];
  }

 private:
  Health At(Instant t) const {
    for (const Window& w : j_.broken)
      if (w.Contains(t)) return Health::kBroken;
    // The runs never overlap: the last one started is the one going, if any.
    auto it = std::upper_bound(j_.runs.begin(), j_.runs.end(), t,
                               [](Instant x, const Run& r) { return x < r.start; });
    const Run* going = nullptr;
    const Run* finished = nullptr;
    if (it != j_.runs.begin()) {
      const Run& last = *(it - 1);
      if (last.finish > t) {
        going = &last;
        if (it - 1 != j_.runs.begin()) finished = &*(it - 2);
      } else {
        finished = &last;
      }
    }
    if (going && t - going->start > j_.longest) return Health::kStuck;
    if (finished && finished->out == Out::kFailure) return Health::kFailing;
    auto o = std::upper_bound(overdue_.begin(), overdue_.end(), t,
                              [](Instant x, const Window& w) { return x < w.from; });
    if (o != overdue_.begin() && (o - 1)->Contains(t)) return Health::kOverdue;
    if (finished && finished->out == Out::kWarning) return Health::kWarning;
    if (going) return Health::kRunning;
    const bool ran = !j_.starts.empty() && j_.starts.front() <= t;
    if (!ran) return Health::kPending;
    return Health::kOk;
  }

  const SimJob& j_;
  std::vector<Window> overdue_;
  std::vector<Segment> segments_;
};

// --- what the history says, at an instant ------------------------------------------

JobRunFacts FactsAt(const SimJob& j, Instant t) {
  JobRunFacts f;
  auto s = std::upper_bound(j.starts.begin(), j.starts.end(), t);
  if (s != j.starts.begin()) f.last_start = *(s - 1);
  auto it = std::upper_bound(j.runs.begin(), j.runs.end(), t,
                             [](Instant x, const Run& r) { return x < r.start; });
  const Run* finished = nullptr;
  if (it != j.runs.begin()) {
    const Run& last = *(it - 1);
    if (last.finish > t) {
      f.running = JobRunFacts::Running{last.start, true};
      if (it - 1 != j.runs.begin()) finished = &*(it - 2);
    } else {
      finished = &last;
    }
  }
  if (finished) {
    f.last_finish = finished->finish;
    switch (finished->out) {
      case Out::kGood:
        f.last_outcome = LastOutcome::kGood;
        break;
      case Out::kWarning:
        f.last_outcome = LastOutcome::kWarning;
        f.last_message = "exited with status 3";
        break;
      case Out::kFailure:
        f.last_outcome = LastOutcome::kFailure;
        f.last_message = "exited with status 1";
        break;
      case Out::kStopped:
        f.last_outcome = LastOutcome::kOperatorStopped;
        break;
    }
  }
  return f;
}

Instant TickAtOrAfter(Instant t) {
  const int64_t n = (t - kYearStart + kTick - Micros{1}) / kTick;
  return kYearStart + kTick * std::max<int64_t>(n, 0);
}

bool HostUp(const World& w, Instant t) {
  for (const Window& d : w.host_down)
    if (d.Contains(t)) return false;
  return true;
}

// The instant an evaluator could first see what happened at t: t, or the
// end of the host downtime holding it.
Instant Observable(const World& w, Instant t) {
  for (const Window& d : w.host_down)
    if (d.Contains(t)) return d.to;
  return t;
}

struct Figures {
  int64_t evaluations = 0, grid_ticks = 0, runs = 0, skipped = 0, catchups = 0, elapses = 0;
  int64_t mismatches = 0;
  std::array<int64_t, kFaultKinds> faults{};
  std::array<int64_t, 8> episodes{};  // by Health
  std::array<int64_t, 8> alarms{};    // by Health named
  int64_t incidents = 0, incidents_ended = 0, recoveries = 0, reminders = 0;
  int64_t expected_reminders = 0;
  int64_t missed = 0, false_alarms = 0, wrong_recoveries = 0, wrong_reminders = 0, late = 0;
  // Bad stretches of truth no evaluation could see (shorter than a tick,
  // or over before the host came back), by Health.
  std::array<int64_t, 8> unseen{};
  int64_t duplicate_keys = 0;
  // Overdue episodes by what caused them: a host downtime, a daemon kill,
  // a silence of the job's own; anything else would be a surprise.
  std::array<int64_t, 5> overdue_by_cause{};
  std::vector<Micros> delays;
  std::vector<std::string> examples;
};

std::string Show(Instant t) { return FormatRfc3339(t); }

// The ticks at which the job is evaluated. Every tick would be 525,600 a
// year per job — more than this machine can do for 1,000 jobs in a test —
// so the evaluation visits, on the one-minute grid: the tick before and the
// tick at or after every instant where the truth changes, where the history
// changes (a run starts or ends) and where the definition breaks or is
// mended; the first tick after every host downtime; a sweep every kSweep;
// and (added as the year goes, RunJob()) the tick before and at each
// reminder due. Between two visited ticks
// neither the facts nor the truth change, so a daemon evaluating every tick
// would see what the visited ticks see unless EvaluateHealth() changed its
// mind with nothing but `now` moving and against the contract, which the
// sweep looks for.
std::vector<Instant> VisitedTicks(const SimJob& j, const Truth& truth, const World& world,
                                  uint64_t phase) {
  std::vector<Instant> ticks;
  auto around = [&](Instant c) {
    const Instant at = TickAtOrAfter(c);
    ticks.push_back(at - kTick);
    ticks.push_back(at);
  };
  for (const Truth::Segment& s : truth.segments()) around(s.from);
  for (const Run& r : j.runs) {
    around(r.start);
    around(r.finish);
  }
  for (Instant s : j.starts) around(s);
  for (const Window& w : j.broken) {
    around(w.from);
    around(w.to);
  }
  for (const Window& w : world.host_down) around(w.to);
  for (Instant t = kYearStart + kTick * static_cast<int64_t>(phase % (kSweep / kTick));
       t < kYearEnd; t += kSweep)
    ticks.push_back(t);
  std::sort(ticks.begin(), ticks.end());
  ticks.erase(std::unique(ticks.begin(), ticks.end()), ticks.end());
  // Only while the job exists, the year lasts and the host is up.
  std::vector<Instant> out;
  out.reserve(ticks.size());
  for (Instant t : ticks)
    if (t >= j.first_seen && t >= kYearStart && t < kYearEnd && HostUp(world, t)) out.push_back(t);
  return out;
}

// 0: in or just after a host downtime, 1: a daemon kill, 2: the job's
// silence, 4: none of these. A missed elapse is overdue a slack after it.
// (3: an overdue state revealed when another bad one ended, RunJob().)
size_t OverdueCause(const SimJob& j, const World& world, Instant from) {
  auto near = [&](const Window& w) { return w.from < from && from <= w.to + j.slack; };
  for (const Window& w : world.host_down)
    if (near(w)) return 0;
  for (const Window& w : world.daemon_down)
    if (near(w)) return 1;
  for (const Window& w : j.silent)
    if (near(w)) return 2;
  return 4;
}

bool Alerts(Health h, const SimJob& j) {
  return HealthAlerts(h, AlertPolicySettings{kRepeat, j.warnings});
}

// Evaluates one job through the year and checks every event against the
// truth.
void RunJob(Sim& sim, SimJob& j, const World& world, uint64_t phase, Figures& fig,
            std::set<std::string>& keys) {
  const Truth truth(j);
  const std::vector<Instant> ticks = VisitedTicks(j, truth, world, phase);
  const AlertPolicySettings settings{kRepeat, j.warnings};
  const AlertSubject subject{"sim", j.spec.name, "ops"};

  AlertedState state;  // as stored in the state directory
  // The requirements applied to the truth: what should have been sent.
  std::optional<Health> want_alerted;
  Instant want_since;
  int64_t want_reminded = 0;
  bool in_incident = false;

  size_t cursor = 0;
  Instant previous = kYearStart - days(1);
  std::set<Instant> reminder_ticks;  // the tick before and at each reminder due
  auto due_reminder = [&](Instant due) {
    const Instant at = TickAtOrAfter(due);
    for (Instant r : {at - kTick, at})
      if (r < kYearEnd && HostUp(world, r)) reminder_ticks.insert(r);
  };
  size_t next = 0;
  for (;;) {
    Instant t;
    if (!reminder_ticks.empty() &&
        (next == ticks.size() || *reminder_ticks.begin() <= ticks[next])) {
      t = *reminder_ticks.begin();
      reminder_ticks.erase(reminder_ticks.begin());
      if (next < ticks.size() && ticks[next] == t) ++next;
    } else if (next < ticks.size()) {
      t = ticks[next++];
    } else {
      break;
    }
    if (t <= previous) continue;
    // After an outage the daemon (or `check --alert`) starts afresh: the
    // state comes back from its file.
    for (const std::vector<Window>* ws : {&world.host_down, &world.daemon_down})
      for (const Window& w : *ws)
        if (previous < w.to && w.to <= t) state = AlertedState::FromText(state.ToText());
    previous = t;
    HealthInput in;
    in.job = &j.spec;
    for (const Window& w : j.broken)
      if (w.Contains(t)) in.broken = "/etc/surety/jobs.toml:12:3: unknown key 'comand'";
    in.runs = FactsAt(j, t);
    in.first_seen = j.first_seen;
    in.now = t;
    in.boot = kYearStart;
    for (const Window& w : world.host_down)
      if (w.to <= t) in.boot = w.to;
    in.eval = sim.eval();
    const Health got = EvaluateHealth(in).health;
    ++fig.evaluations;
    const Truth::Segment& seg = truth.SegmentAt(t, cursor);
    const Health want = seg.health;
    if (got != want) {
      ++fig.mismatches;
      if (fig.examples.size() < 12)
        fig.examples.push_back(j.spec.name + " (" + j.spec.schedule_text[0] + ") at " + Show(t) +
                               ": health " + std::string(HealthName(got)) + ", truth " +
                               std::string(HealthName(want)));
    }

    const AlertDecision d = DecideAlert(state, got, t, settings, subject);
    state = d.next;
    if (d.event && !keys.insert(d.key).second) ++fig.duplicate_keys;

    // What should have gone out at t.
    std::optional<AlertEvent> expect;
    int expect_reminder = 0;
    if (!Alerts(want, j)) {
      if (want_alerted) {
        expect = AlertEvent::kRecovery;
        ++fig.incidents_ended;
      }
      want_alerted.reset();
      in_incident = false;
    } else if (want_alerted != want) {
      expect = AlertEventForHealth(want);
      want_alerted = want;
      want_since = t;
      want_reminded = 0;
      due_reminder(t + kRepeat);
      ++fig.episodes[static_cast<size_t>(want)];
      if (!in_incident) ++fig.incidents;
      in_incident = true;
      // Detection delay: from the instant the fault became detectable (the
      // truth changed; or the host came back, if it changed while down).
      if (want == Health::kOverdue) {
        // Revealed when a broken, stuck or failing state ended, or new.
        const bool revealed = cursor > 0 && Alerts(truth.segments()[cursor - 1].health, j);
        ++fig.overdue_by_cause[revealed ? 3 : OverdueCause(j, world, seg.from)];
      }
      const Micros delay = t - Observable(world, seg.from);
      fig.delays.push_back(delay);
      if (delay > kTick) {
        ++fig.late;
        if (fig.examples.size() < 12)
          fig.examples.push_back(j.spec.name + ": " + std::string(HealthName(want)) + " from " +
                                 Show(seg.from) + " first seen at " + Show(t));
      }
    } else {
      const int64_t n = (t - want_since) / kRepeat;
      if (n > want_reminded) {
        expect = AlertEvent::kReminder;
        expect_reminder = static_cast<int>(n);
        want_reminded = n;
        ++fig.expected_reminders;
        due_reminder(want_since + kRepeat * (n + 1));
      }
    }

    if (d.event == AlertEvent::kRecovery) ++fig.recoveries;
    if (d.event == AlertEvent::kReminder) ++fig.reminders;
    if (d.event && *d.event != AlertEvent::kRecovery && *d.event != AlertEvent::kReminder)
      ++fig.alarms[static_cast<size_t>(d.about)];
    if (d.event == expect && (expect != AlertEvent::kReminder || d.reminder == expect_reminder))
      continue;
    // A difference: classify it.
    auto is_alarm = [](std::optional<AlertEvent> e) {
      return e && *e != AlertEvent::kRecovery && *e != AlertEvent::kReminder;
    };
    if (is_alarm(expect)) ++fig.missed;
    if (is_alarm(d.event)) ++fig.false_alarms;
    if (expect == AlertEvent::kRecovery || d.event == AlertEvent::kRecovery) ++fig.wrong_recoveries;
    if (expect == AlertEvent::kReminder || d.event == AlertEvent::kReminder) ++fig.wrong_reminders;
    if (fig.examples.size() < 12)
      fig.examples.push_back(
          j.spec.name + " at " + Show(t) + ": sent " +
          (d.event ? std::string(AlertEventName(*d.event)) : std::string("nothing")) +
          ", expected " + (expect ? std::string(AlertEventName(*expect)) : std::string("nothing")) +
          " (health " + std::string(HealthName(got)) + ", truth " + std::string(HealthName(want)) +
          ")");
  }

  // Bad stretches of truth no tick fell in (shorter than a tick, or while
  // the host was down): nobody could have seen them.
  const auto& seg = truth.segments();
  for (size_t i = 0; i < seg.size(); ++i) {
    if (!Alerts(seg[i].health, j) || seg[i].from >= kYearEnd) continue;
    const Instant end = i + 1 < seg.size() ? seg[i + 1].from : kYearEnd;
    const Instant first = TickAtOrAfter(Observable(world, seg[i].from));
    if (first >= end || first >= kYearEnd) ++fig.unseen[static_cast<size_t>(seg[i].health)];
  }
  fig.grid_ticks += (kYearEnd - std::max(j.first_seen, kYearStart)) / kTick;
  fig.runs += static_cast<int64_t>(j.runs.size());
  fig.skipped += j.skipped;
  fig.catchups += j.catchups;
  fig.elapses += static_cast<int64_t>(j.elapses.size());
  for (const auto& f : j.fail_at) fig.faults[0] += f.second;
  fig.faults[1] += static_cast<int64_t>(j.hang_at.size());
  fig.faults[2] += static_cast<int64_t>(j.silent.size());
  fig.faults[3] += static_cast<int64_t>(j.broken.size());
}

std::string Seconds(Micros m) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(m.count()) / 1e6);
  return buf;
}

TEST(AlertSim, AYearOfAThousandJobs) {
  const auto wall_start = std::chrono::steady_clock::now();
  Rng rng(kSeed);
  Sim sim;
  const World world = MakeWorld(rng);
  Figures fig;
  std::set<std::string> keys;
  std::map<std::string, int> families;
  for (int i = 0; i < kJobs; ++i) {
    SimJob j = sim.MakeJob(i, rng, world);
    sim.Generate(j, world, rng);
    ++families[j.label.substr(0, j.label.find_last_of(' '))];
    RunJob(sim, j, world, rng.Next(), fig, keys);
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  std::sort(fig.delays.begin(), fig.delays.end());
  const Micros max_delay = fig.delays.empty() ? Micros{0} : fig.delays.back();
  const Micros p99 = fig.delays.empty() ? Micros{0} : fig.delays[fig.delays.size() * 99 / 100];
  int64_t alarms = 0, episodes = 0;
  for (int64_t a : fig.alarms) alarms += a;
  for (int64_t e : fig.episodes) episodes += e;

  std::printf("simulated year: %d jobs, 365 days, evaluation grid %s, seed %#llx\n", kJobs,
              Seconds(kTick).c_str(), static_cast<unsigned long long>(kSeed));
  std::printf("  schedules:");
  for (const auto& [family, n] : families) std::printf(" %s %d;", family.c_str(), n);
  std::printf("\n  elapses %lld, runs %lld, skipped (overlap) %lld, persistent catch-ups %lld\n",
              static_cast<long long>(fig.elapses), static_cast<long long>(fig.runs),
              static_cast<long long>(fig.skipped), static_cast<long long>(fig.catchups));
  std::printf("  outages: %zu host downtimes, %zu daemon kills of a day\n", world.host_down.size(),
              world.daemon_down.size());
  std::printf("  faults injected:");
  for (int k = 0; k < kFaultKinds; ++k)
    std::printf(" %s %lld;", kFaultNames[k],
                static_cast<long long>(fig.faults[static_cast<size_t>(k)]));
  std::printf("\n  evaluations %lld (of %lld grid ticks), health disagreeing with the truth %lld\n",
              static_cast<long long>(fig.evaluations), static_cast<long long>(fig.grid_ticks),
              static_cast<long long>(fig.mismatches));
  std::printf("  episodes %lld:", static_cast<long long>(episodes));
  for (Health h :
       {Health::kBroken, Health::kStuck, Health::kFailing, Health::kOverdue, Health::kWarning})
    std::printf(" %s %lld;", std::string(HealthName(h)).c_str(),
                static_cast<long long>(fig.episodes[static_cast<size_t>(h)]));
  std::printf(
      "\n  overdue episodes by cause: host downtime %lld; daemon kill %lld; silence %lld; revealed "
      "when another bad state ended %lld; other %lld",
      static_cast<long long>(fig.overdue_by_cause[0]),
      static_cast<long long>(fig.overdue_by_cause[1]),
      static_cast<long long>(fig.overdue_by_cause[2]),
      static_cast<long long>(fig.overdue_by_cause[3]),
      static_cast<long long>(fig.overdue_by_cause[4]));
  std::printf("\n  incidents %lld (%lld ended); bad stretches no tick could see:",
              static_cast<long long>(fig.incidents), static_cast<long long>(fig.incidents_ended));
  for (Health h :
       {Health::kBroken, Health::kStuck, Health::kFailing, Health::kOverdue, Health::kWarning})
    std::printf(" %s %lld;", std::string(HealthName(h)).c_str(),
                static_cast<long long>(fig.unseen[static_cast<size_t>(h)]));
  std::printf("\n");
  std::printf("  alarms %lld:", static_cast<long long>(alarms));
  for (Health h :
       {Health::kBroken, Health::kStuck, Health::kFailing, Health::kOverdue, Health::kWarning})
    std::printf(" %s %lld;", std::string(HealthName(h)).c_str(),
                static_cast<long long>(fig.alarms[static_cast<size_t>(h)]));
  std::printf("\n  recoveries %lld, reminders %lld (expected %lld)\n",
              static_cast<long long>(fig.recoveries), static_cast<long long>(fig.reminders),
              static_cast<long long>(fig.expected_reminders));
  std::printf(
      "  missed alarms %lld, false alarms %lld, wrong recoveries %lld, wrong reminders %lld, late "
      "%lld, repeated keys %lld\n",
      static_cast<long long>(fig.missed), static_cast<long long>(fig.false_alarms),
      static_cast<long long>(fig.wrong_recoveries), static_cast<long long>(fig.wrong_reminders),
      static_cast<long long>(fig.late), static_cast<long long>(fig.duplicate_keys));
  const Micros median = fig.delays.empty() ? Micros{0} : fig.delays[fig.delays.size() / 2];
  std::printf("  detection delay: max %s, p99 %s, median %s\n", Seconds(max_delay).c_str(),
              Seconds(p99).c_str(), Seconds(median).c_str());
  std::printf("  wall time %.1f s\n", wall);
  for (const std::string& e : fig.examples) std::printf("  ! %s\n", e.c_str());

  EXPECT_EQ(fig.mismatches, 0);
  EXPECT_EQ(fig.missed, 0);
  EXPECT_EQ(fig.false_alarms, 0);
  EXPECT_EQ(fig.wrong_recoveries, 0);
  EXPECT_EQ(fig.wrong_reminders, 0);
  EXPECT_EQ(fig.late, 0);
  EXPECT_EQ(fig.duplicate_keys, 0);
  EXPECT_EQ(fig.overdue_by_cause[4], 0);  // no overdue the faults do not explain
  EXPECT_LE(max_delay, kTick);
  EXPECT_EQ(fig.recoveries, fig.incidents_ended);
  EXPECT_EQ(alarms, episodes);
  // The year must have exercised every kind of trouble.
  for (Health h : {Health::kBroken, Health::kStuck, Health::kFailing, Health::kOverdue})
    EXPECT_GT(fig.episodes[static_cast<size_t>(h)], 10) << HealthName(h);
}

}  // namespace
}  // namespace surety
