#include "cli/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cli/status_page.h"
#include "time/timestamp.h"

namespace surety {

namespace {

// The drawing's own units (the viewBox); the stylesheet scales it.
constexpr double kWidth = 760, kHeight = 200;
constexpr double kLeft = 72, kRight = 748, kTop = 12, kBottom = 168;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

double NiceCeiling(double value) {
  if (!(value > 0)) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 5.0, 10.0})
    if (step * magnitude >= value * (1 - 1e-12)) return step * magnitude;
  return 10 * magnitude;
}

double NiceDurationCeiling(double ms) {
  constexpr double kS = 1000, kMin = 60 * kS, kH = 60 * kMin;
  for (double step :
       {1 * kS, 2 * kS, 5 * kS, 10 * kS, 15 * kS, 30 * kS, 1 * kMin, 2 * kMin, 5 * kMin, 10 * kMin,
        15 * kMin, 30 * kMin, 1 * kH, 2 * kH, 4 * kH, 6 * kH, 12 * kH, 24 * kH})
    if (ms <= step) return step;
  return std::ceil(ms / (24 * kH)) * 24 * kH;
}

double NiceByteCeiling(double bytes) {
  if (bytes <= 1024) return 1024;
  double unit = 1;
  while (bytes >= 1024 * unit && unit < 1099511627776.0 * 1024) unit *= 1024;
  return NiceCeiling(bytes / unit) * unit;
}

std::string RenderSvgChart(const Chart& chart) {
  std::string o = "<svg id=\"" + HtmlEscape(chart.id) +
                  "\" class=\"chart\" role=\"img\" viewBox=\"0 0 " + Num(kWidth) + " " +
                  Num(kHeight) + "\" xmlns=\"http://www.w3.org/2000/svg\" aria-label=\"" +
                  HtmlEscape(chart.title) + "\">";
  o += "<title>" + HtmlEscape(chart.title) + "</title>";
  if (chart.points.empty()) {
    o += "<text class=\"empty\" x=\"" + Num(kWidth / 2) + "\" y=\"" + Num(kHeight / 2) +
         "\" text-anchor=\"middle\">no runs to show yet</text></svg>";
    return o;
  }
  double top = 0;
  for (const ChartPoint& p : chart.points)
    if (p.value) top = std::max(top, *p.value);
  top = chart.ceiling ? chart.ceiling(top) : NiceCeiling(top);
  if (!(top > 0)) top = 1;
  const int64_t first = chart.points.front().at.time_since_epoch().count();
  const int64_t last = chart.points.back().at.time_since_epoch().count();
  auto x = [&](Instant at) {
    if (last <= first) return (kLeft + kRight) / 2;
    const double f = static_cast<double>(at.time_since_epoch().count() - first) /
                     static_cast<double>(last - first);
    return kLeft + f * (kRight - kLeft);
  };
  auto y = [&](double v) { return kBottom - v / top * (kBottom - kTop); };
  // The value axis: three lines with their labels.
  for (double f : {0.0, 0.5, 1.0}) {
    const double v = top * f;
    o += "<line class=\"grid\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kRight) + "\" y1=\"" +
         Num(y(v)) + "\" y2=\"" + Num(y(v)) + "\"/>";
    o += "<text class=\"axis\" x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(y(v) + 4) +
         "\" text-anchor=\"end\">" + HtmlEscape(chart.format ? chart.format(v) : Num(v)) +
         "</text>";
  }
  // The time axis: the first and the last run.
  o += "<text class=\"axis\" x=\"" + Num(kLeft) + "\" y=\"" + Num(kHeight - 8) + "\">" +
       HtmlEscape(FormatTimestampUtc(chart.points.front().at)) + "</text>";
  if (chart.points.size() > 1)
    o += "<text class=\"axis\" x=\"" + Num(kRight) + "\" y=\"" + Num(kHeight - 8) +
         "\" text-anchor=\"end\">" + HtmlEscape(FormatTimestampUtc(chart.points.back().at)) +
         "</text>";
  // The line through every run that has a value, then a marker per run.
  std::string line;
  for (const ChartPoint& p : chart.points)
    if (p.value) line += (line.empty() ? "" : " ") + Num(x(p.at)) + "," + Num(y(*p.value));
  if (line.find(' ') != std::string::npos)
    o += "<polyline class=\"line\" points=\"" + line + "\"/>";
  for (const ChartPoint& p : chart.points) {
    const std::string title = "<title>" + HtmlEscape(p.label) + "</title>";
    if (p.value) {
      o += "<circle class=\"pt " + HtmlEscape(p.kind) + "\" cx=\"" + Num(x(p.at)) + "\" cy=\"" +
           Num(y(*p.value)) + "\" r=\"" + (p.kind == "good" ? "3" : "5") + "\">" + title +
           "</circle>";
    } else {
      o += "<rect class=\"pt " + HtmlEscape(p.kind) + "\" x=\"" + Num(x(p.at) - 2) + "\" y=\"" +
           Num(kBottom - 8) + "\" width=\"4\" height=\"16\">" + title + "</rect>";
    }
  }
  o += "</svg>";
  return o;
}

}  // namespace surety
