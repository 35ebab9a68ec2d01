#pragma once

// Charts as inline SVG, for reports that must open without any network:
// lines over time and a latency distribution.

#include <string>
#include <utility>
#include <vector>

namespace mink::bench {

/// One line (or the bars) of a chart: points (x, y), x ascending.
struct chart_series {
  std::string name;
  std::vector<std::pair<double, double>> points;
};

/// What a chart shows and how.
struct chart_options {
  std::string title;
  std::string x_label;
  std::string y_label;
  /// A logarithmic x axis (decades); values <= 0 are left out.
  bool log_x = false;
  /// Bars from 0 to each point instead of lines.
  bool bars = false;
  int width = 640;
  int height = 260;
};

/// An `<svg>` element drawing `series` (at most 6 colours, then repeated),
/// with axes, ticks, a title and a legend. A chart with no points says so.
/// Names and labels are escaped.
[[nodiscard]] std::string svg_chart(const std::vector<chart_series>& series,
                                    const chart_options& opts);

/// `text` with &, <, >, " and ' escaped for HTML and SVG.
[[nodiscard]] std::string html_escape(const std::string& text);

/// `x` to `digits` significant digits, without exponent for usual values
/// (e.g. 12 345, 1.23, 0.0123).
[[nodiscard]] std::string format_number(double x, int digits = 3);

} // namespace mink::bench
