#include "mink/bench/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace mink::bench {

namespace {

const char* const colours[] = {"#1f77b4", "#d62728", "#2ca02c",
                               "#ff7f0e", "#9467bd", "#8c564b"};

constexpr double left = 64, right = 16, top = 28, bottom = 40;

struct axis {
  double lo = 0;
  double hi = 1;
  bool log = false;

  double scale(double v) const {
    if (log)
      return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }

  /// Ticks at 1, 2 or 5 x 10^k (linear) or at decades (log).
  std::vector<double> ticks() const {
    std::vector<double> out;
    if (log) {
      auto d = std::pow(10, std::floor(std::log10(lo)));
      for (int i = 0; i < 40 && d <= hi * 1.0001; ++i, d *= 10)
        if (d >= lo * 0.9999)
          out.push_back(d);
      return out;
    }
    auto raw = (hi - lo) / 5;
    if (!(raw > 0) || !std::isfinite(raw))
      return {lo};
    auto mag = std::pow(10, std::floor(std::log10(raw)));
    auto step = mag * (raw / mag < 2 ? 2 : raw / mag < 5 ? 5 : 10);
    // By index, at most 12: a step too small for lo's precision cannot
    // loop forever.
    auto first = std::ceil(lo / step) * step;
    for (int i = 0; i < 12; ++i) {
      auto v = first + step * i;
      if (v > hi + step * 1e-9)
        break;
      out.push_back(v);
    }
    return out;
  }
};

/// The range of the points' x (or y) values; a linear y axis starts at 0.
axis range_of(const std::vector<chart_series>& series, bool x, bool log) {
  double lo = std::numeric_limits<double>::max();
  double hi = std::numeric_limits<double>::lowest();
  for (auto& s : series)
    for (auto& [px, py] : s.points) {
      auto v = x ? px : py;
      if (log && v <= 0)
        continue;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  axis a;
  a.log = log;
  if (lo > hi)
    return a;
  if (log) {
    a.lo = std::pow(10, std::floor(std::log10(lo)));
    a.hi = std::pow(10, std::ceil(std::log10(hi) + 1e-9));
  } else {
    a.lo = x ? lo : std::min(0.0, lo);
    a.hi = hi > a.lo ? hi : a.lo + 1;
    if (!x)
      a.hi *= 1.05;
  }
  return a;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

} // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_number(double x, int digits) {
  if (!std::isfinite(x))
    return "-";
  char buf[64];
  auto mag = x == 0 ? 0 : static_cast<int>(std::floor(std::log10(std::fabs(x))));
  // Whole numbers (counts, and values of 100 and more) have no decimals.
  auto decimals = x == std::floor(x) ? 0 : std::max(0, digits - 1 - mag);
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, x);
  std::string s = buf;
  // Thousands separated by a thin space in the integer part.
  auto dot = s.find('.');
  auto end = dot == std::string::npos ? s.size() : dot;
  auto first = s[0] == '-' ? 1u : 0u;
  for (auto i = static_cast<long>(end) - 3; i > static_cast<long>(first); i -= 3)
    s.insert(static_cast<size_t>(i), " ");
  return s;
}

std::string svg_chart(const std::vector<chart_series>& series,
                      const chart_options& o) {
  auto w = static_cast<double>(o.width);
  auto h = static_cast<double>(o.height);
  auto pw = w - left - right;
  auto ph = h - top - bottom;
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
                    + std::to_string(o.width) + "\" height=\""
                    + std::to_string(o.height) + "\" viewBox=\"0 0 "
                    + std::to_string(o.width) + " " + std::to_string(o.height)
                    + "\" class=\"chart\" font-family=\"sans-serif\" "
                      "font-size=\"11\">";
  out += "<text x=\"" + num(w / 2) + "\" y=\"16\" text-anchor=\"middle\" "
         "font-size=\"13\" font-weight=\"bold\">" + html_escape(o.title)
         + "</text>";
  auto xs = range_of(series, true, o.log_x);
  auto ys = range_of(series, false, false);
  bool empty = true;
  for (auto& s : series)
    empty = empty && s.points.empty();
  if (empty)
    return out + "<text x=\"" + num(w / 2) + "\" y=\"" + num(h / 2)
           + "\" text-anchor=\"middle\">no data</text></svg>";
  auto px = [&](double v) { return left + xs.scale(v) * pw; };
  auto py = [&](double v) { return top + ph - ys.scale(v) * ph; };
  // Axes, grid and ticks.
  for (auto t : ys.ticks())
    out += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + pw) + "\" y1=\""
           + num(py(t)) + "\" y2=\"" + num(py(t))
           + "\" stroke=\"#ddd\"/><text x=\"" + num(left - 4) + "\" y=\""
           + num(py(t) + 4) + "\" text-anchor=\"end\">" + format_number(t)
           + "</text>";
  for (auto t : xs.ticks())
    out += "<line x1=\"" + num(px(t)) + "\" x2=\"" + num(px(t)) + "\" y1=\""
           + num(top + ph) + "\" y2=\"" + num(top + ph + 4)
           + "\" stroke=\"#333\"/><text x=\"" + num(px(t)) + "\" y=\""
           + num(top + ph + 16) + "\" text-anchor=\"middle\">"
           + format_number(t) + "</text>";
  out += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\""
         + num(pw) + "\" height=\"" + num(ph)
         + "\" fill=\"none\" stroke=\"#333\"/>";
  out += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(h - 6)
         + "\" text-anchor=\"middle\">" + html_escape(o.x_label) + "</text>";
  out += "<text transform=\"translate(12," + num(top + ph / 2)
         + ") rotate(-90)\" text-anchor=\"middle\">" + html_escape(o.y_label)
         + "</text>";
  // The data.
  for (size_t i = 0; i < series.size(); ++i) {
    auto colour = colours[i % 6];
    auto& s = series[i];
    if (o.bars) {
      auto bw = std::max(1.0, pw / static_cast<double>(s.points.size() + 1) * 0.8);
      for (auto& [x, y] : s.points)
        if (!o.log_x || x > 0)
          out += "<rect x=\"" + num(px(x) - bw / 2) + "\" y=\"" + num(py(y))
                 + "\" width=\"" + num(bw) + "\" height=\""
                 + num(top + ph - py(y)) + "\" fill=\"" + colour
                 + "\" opacity=\"0.7\"><title>" + format_number(x) + ": "
                 + format_number(y) + "</title></rect>";
    } else {
      std::string pts;
      for (auto& [x, y] : s.points)
        if (!o.log_x || x > 0)
          pts += num(px(x)) + "," + num(py(y)) + " ";
      out += "<polyline fill=\"none\" stroke=\"" + std::string{colour}
             + "\" stroke-width=\"1.5\" points=\"" + pts + "\"/>";
      // Few points: each one also as a dot (one point draws no line).
      if (s.points.size() <= 60)
        for (auto& [x, y] : s.points)
          if (!o.log_x || x > 0)
            out += "<circle cx=\"" + num(px(x)) + "\" cy=\"" + num(py(y))
                   + "\" r=\"2.5\" fill=\"" + colour + "\"><title>"
                   + format_number(x) + ": " + format_number(y)
                   + "</title></circle>";
    }
    // The legend, top right, one line per series.
    auto ly = top + 12 + 14 * static_cast<double>(i);
    out += "<rect x=\"" + num(left + pw - 120) + "\" y=\"" + num(ly - 8)
           + "\" width=\"10\" height=\"10\" fill=\"" + colour
           + "\"/><text x=\"" + num(left + pw - 106) + "\" y=\"" + num(ly + 1)
           + "\">" + html_escape(s.name) + "</text>";
  }
  return out + "</svg>";
}

} // namespace mink::bench
