// A small time-series chart drawn as inline SVG, for the status page's job
// page: a job's run durations and its verified artifact's size over time,
// each run a marker coloured by what happened.
//
// For: job_page.cc. Drawn on the server rather than by a charting library
// in the browser: the page then needs no script to show its charts (the
// CSP allows none inline, and a page read with JavaScript off must still
// show them), costs nothing to ship, and can be tested as text. The
// markers' colours come from the page's stylesheet by class, since the CSP
// forbids inline styles.
//
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/instant.h"

namespace surety {

struct ChartPoint {
  Instant at;
  // None: the run gave no value (a failed run verified no artifact); a mark
  // on the time axis says it happened.
  std::optional<double> value;
  std::string kind;   // the marker's class: good, warn, bad, shrink
  std::string label;  // what hovering over the marker says
};

struct Chart {
  std::string id;     // the <svg> element's id
  std::string title;  // what the chart shows, for screen readers
  // A value as an axis label ("1m 20s", "1.2G").
  std::function<std::string(double)> format;
  std::vector<ChartPoint> points;  // oldest first
  // The top of the value axis for the largest value (null: NiceCeiling).
  std::function<double(double)> ceiling = nullptr;
};

// The chart as one <svg> element, scaled by its viewBox to the width the
// stylesheet gives it. A chart without points says so instead.
std::string RenderSvgChart(const Chart& chart);

// The smallest of 1, 2 and 5 times a power of ten that is >= value
// (value > 0); the top of the value axis.
double NiceCeiling(double value);
// The same for milliseconds, at least a second, in steps a clock reads
// well (1, 2, 5, 10, 15,
// 30 s; 1, 2, 5, 10, 15, 30 min; 1, 2, 4, 6, 12, 24 h; then whole days).
double NiceDurationCeiling(double ms);
// The same for bytes, at least 1K, in powers of 1024 (1, 2, 5, 10, 20,
// 50, 100, 200, 500 K, M, G, …), as FormatByteSize writes them.
double NiceByteCeiling(double bytes);

}  // namespace surety
