// The English names of weekdays and months, as the C locale has them.
//
// For: every place that prints or parses them — timestamps, calendar specs,
// strftime expansion, cron names, mail dates. One table, so that a name is
// spelt the same everywhere. Weekdays are indexed as tm_wday (0 = Sunday),
// months from 1 (January); the abbreviation is the first three letters.
//
// Thread-safety: constants.
#pragma once

#include <array>
#include <string_view>

namespace surety {

inline constexpr std::array<std::string_view, 7> kWeekdayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
inline constexpr std::array<std::string_view, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// "Sun" for 0; REQUIRES: 0 <= wday <= 6.
constexpr std::string_view WeekdayAbbr(int wday) {
  return kWeekdayNames[static_cast<size_t>(wday)].substr(0, 3);
}
// "Jan" for 1; REQUIRES: 1 <= month <= 12.
constexpr std::string_view MonthAbbr(int month) {
  return kMonthNames[static_cast<size_t>(month - 1)].substr(0, 3);
}
constexpr std::string_view MonthName(int month) {
  return kMonthNames[static_cast<size_t>(month - 1)];
}

}  // namespace surety
