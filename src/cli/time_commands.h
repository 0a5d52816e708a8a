// `surety calendar` and `surety timespan`: systemd-analyze's answers, line
// for line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace surety {

struct CalendarOptions {
  std::vector<std::string> specs;
  unsigned iterations = 1;
  std::optional<std::string> base_time;
  bool json = false;
};
int RunCalendar(const CalendarOptions& opt, Services& sv);

struct TimespanOptions {
  std::vector<std::string> spans;
  bool json = false;
};
int RunTimespan(const TimespanOptions& opt, Services& sv);

}  // namespace surety
