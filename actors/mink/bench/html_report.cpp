#include "mink/bench/html_report.hpp"

#include <algorithm>
#include <cstdio>

#include "mink/bench/svg_chart.hpp"

namespace mink::bench {

namespace {

/// One figure of a report, for tables.
struct figure {
  std::string label;
  double value = 0;
  std::string unit;
  /// Unknown (e.g. PostgreSQL's CPU with no server on this machine).
  bool missing = false;
};

double ms(int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

std::vector<figure> figures_of(const run_report& r) {
  std::vector<figure> out{
    {"operations", static_cast<double>(r.latency.count), ""},
    {"throughput", r.rate(), "/s"},
    {"failed", static_cast<double>(r.failed()), ""},
    {"latency p50", ms(r.latency.p50), "ms"},
    {"latency p90", ms(r.latency.p90), "ms"},
    {"latency p99", ms(r.latency.p99), "ms"},
    {"latency p99.9", ms(r.latency.p999), "ms"},
    {"latency max", ms(r.latency.max), "ms"},
    {"retries", static_cast<double>(r.retries), ""},
    {"actors spawned", static_cast<double>(r.spawned), ""},
  };
  int64_t lag_events = 0;
  double lag_seconds = 0;
  for (auto& l : r.lag) {
    lag_events = std::max(lag_events, l.events);
    lag_seconds = std::max(lag_seconds, l.seconds);
  }
  bool no_lag = r.catch_up_seconds < 0;
  out.push_back({"projection lag max, events", static_cast<double>(lag_events),
                 "", no_lag});
  out.push_back({"projection lag max, time", lag_seconds, "s", no_lag});
  out.push_back({"projection catch-up", r.catch_up_seconds, "s", no_lag});
  auto ops = static_cast<double>(std::max<uint64_t>(r.latency.count, 1));
  out.push_back({"CPU, this process", r.resources.process_cpu, "s"});
  out.push_back({"CPU per operation", r.resources.process_cpu / ops * 1e6, "µs"});
  bool no_pg = r.resources.postgres_cpu < 0;
  out.push_back({"CPU, PostgreSQL", r.resources.postgres_cpu, "s", no_pg});
  out.push_back({"PostgreSQL CPU per operation",
                 r.resources.postgres_cpu / ops * 1e6, "µs", no_pg});
  out.push_back({"peak RSS", static_cast<double>(r.resources.peak_rss_kib) / 1024,
                 "MiB"});
  return out;
}

std::string shown(const figure& f) {
  if (f.missing)
    return "-";
  return format_number(f.value) + (f.unit.empty() ? "" : " " + f.unit);
}

std::string ratio(double a, double b) {
  if (a == 0)
    return "-";
  return format_number(b / a) + "x";
}

std::string pad(std::string s, size_t width) {
  // Counts UTF-8 code points, so that "µs" pads like "us".
  size_t shown = 0;
  for (unsigned char c : s)
    shown += (c & 0xC0) != 0x80;
  if (shown < width)
    s.append(width - shown, ' ');
  return s;
}

std::string page_head(const std::string& title) {
  return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<title>" + html_escape(title) + "</title><style>"
         "body{font-family:sans-serif;margin:2em;max-width:1400px;color:#222}"
         "table{border-collapse:collapse;margin:1em 0}"
         "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
         "th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}"
         ".charts{display:flex;flex-wrap:wrap;gap:1em}"
         ".meta{color:#555}</style></head><body>";
}

std::string table_row(const std::vector<std::string>& cells, bool head = false) {
  std::string out = "<tr>";
  for (auto& c : cells)
    out += (head ? "<th>" : "<td>") + html_escape(c) + (head ? "</th>" : "</td>");
  return out + "</tr>";
}

// The series of one report, for the charts.
chart_series throughput(const run_report& r, std::string name) {
  chart_series s{std::move(name), {}};
  for (auto& x : r.series)
    s.points.emplace_back(x.at, x.rate());
  return s;
}

chart_series latency_over_time(const run_report& r, std::string name,
                               int64_t interval_sample::*field) {
  chart_series s{std::move(name), {}};
  for (auto& x : r.series)
    if (x.ok + x.failed > 0)
      s.points.emplace_back(x.at, ms(x.*field));
  return s;
}

chart_series distribution(const run_report& r, std::string name) {
  chart_series s{std::move(name), {}};
  auto total = static_cast<double>(std::max<uint64_t>(r.latency.count, 1));
  for (auto& b : r.latency.distribution)
    s.points.emplace_back(ms(b.upper), 100.0 * static_cast<double>(b.count) / total);
  return s;
}

chart_series lag_events(const run_report& r, std::string name) {
  chart_series s{std::move(name), {}};
  for (auto& l : r.lag)
    s.points.emplace_back(l.at, static_cast<double>(l.events));
  return s;
}

std::string charts(const std::vector<const run_report*>& runs,
                   const std::vector<std::string>& names) {
  std::vector<chart_series> tput, p99, dist, lag;
  std::vector<chart_series> percentiles;
  for (size_t i = 0; i < runs.size(); ++i) {
    tput.push_back(throughput(*runs[i], names[i]));
    p99.push_back(latency_over_time(*runs[i], names[i] + " p99",
                                    &interval_sample::p99));
    dist.push_back(distribution(*runs[i], names[i]));
    lag.push_back(lag_events(*runs[i], names[i]));
  }
  if (runs.size() == 1) {
    auto& r = *runs[0];
    p99 = {latency_over_time(r, "p50", &interval_sample::p50),
           latency_over_time(r, "p90", &interval_sample::p90),
           latency_over_time(r, "p99", &interval_sample::p99),
           latency_over_time(r, "max", &interval_sample::max)};
  }
  std::string out = "<div class=\"charts\">";
  out += svg_chart(tput, {"Throughput over time", "seconds", "operations/s"});
  out += svg_chart(p99, {"Latency over time", "seconds", "ms"});
  chart_options d{"Latency distribution", "ms (log)", "% of operations"};
  d.log_x = true;
  d.bars = true;
  out += svg_chart(dist, d);
  out += svg_chart(lag, {"Projection lag", "seconds", "events behind"});
  return out + "</div>";
}

std::string describe_run(const run_report& r) {
  std::string out = "<p class=\"meta\">" + html_escape(r.started_at) + " · "
                    + html_escape(r.machine) + " · store "
                    + html_escape(r.store) + "</p>";
  out += "<table>" + table_row({"parameter", "value"}, true);
  for (auto& [k, v] : r.parameters)
    out += table_row({k, v});
  return out + "</table>";
}

} // namespace

std::string summary_text(const run_report& r) {
  std::string out = r.name + " on " + r.store + " (" + r.started_at + ")\n";
  for (auto& f : figures_of(r))
    out += "  " + pad(f.label, 30) + shown(f) + "\n";
  for (auto& [kind, n] : r.errors)
    out += "  " + pad("errors: " + kind, 30) + format_number(static_cast<double>(n)) + "\n";
  for (auto& b : r.baselines)
    out += "  " + pad("baseline: " + b.name, 48) + format_number(b.rate())
           + " /s, mink at " + format_number(r.rate() / std::max(b.rate(), 1e-9))
           + "x\n";
  for (auto& n : r.notes)
    out += "  note: " + n + "\n";
  return out;
}

std::string render_html(const run_report& r) {
  auto out = page_head("mink-bench: " + r.name);
  out += "<h1>" + html_escape(r.name) + "</h1>" + describe_run(r);
  out += "<h2>Summary</h2><table>" + table_row({"figure", "value"}, true);
  for (auto& f : figures_of(r))
    out += table_row({f.label, shown(f)});
  for (auto& [kind, n] : r.errors)
    out += table_row({"errors: " + kind, format_number(static_cast<double>(n))});
  out += "</table>";
  if (!r.baselines.empty()) {
    out += "<h2>Baselines (same run, same database)</h2><table>"
           + table_row({"baseline", "events", "seconds", "events/s",
                        "mink's ratio"},
                       true);
    for (auto& b : r.baselines)
      out += table_row({b.name, format_number(static_cast<double>(b.events)),
                        format_number(b.seconds), format_number(b.rate()),
                        ratio(b.rate(), r.rate())});
    out += "</table>";
  }
  for (auto& n : r.notes)
    out += "<p>Note: " + html_escape(n) + "</p>";
  out += "<h2>Charts</h2>" + charts({&r}, {r.name});
  return out + "</body></html>\n";
}

std::string compare_text(const run_report& a, const run_report& b) {
  std::string out = "A: " + a.name + " on " + a.store + " (" + a.started_at
                    + ")\nB: " + b.name + " on " + b.store + " ("
                    + b.started_at + ")\n";
  out += "  " + pad("", 30) + pad("A", 18) + pad("B", 18) + "B/A\n";
  auto fa = figures_of(a);
  auto fb = figures_of(b);
  for (size_t i = 0; i < fa.size(); ++i)
    out += "  " + pad(fa[i].label, 30) + pad(shown(fa[i]), 18)
           + pad(shown(fb[i]), 18)
           + (fa[i].missing || fb[i].missing ? "-"
                                             : ratio(fa[i].value, fb[i].value))
           + "\n";
  return out;
}

std::string render_compare_html(const run_report& a, const run_report& b) {
  auto out = page_head("mink-bench: " + a.name + " vs " + b.name);
  out += "<h1>A: " + html_escape(a.name) + " · B: " + html_escape(b.name)
         + "</h1><h2>A</h2>" + describe_run(a) + "<h2>B</h2>" + describe_run(b);
  out += "<h2>Side by side</h2><table>"
         + table_row({"figure", "A", "B", "B / A"}, true);
  auto fa = figures_of(a);
  auto fb = figures_of(b);
  for (size_t i = 0; i < fa.size(); ++i)
    out += table_row({fa[i].label, shown(fa[i]), shown(fb[i]),
                      fa[i].missing || fb[i].missing
                        ? "-"
                        : ratio(fa[i].value, fb[i].value)});
  out += "</table><h2>Charts</h2>" + charts({&a, &b}, {"A", "B"});
  return out + "</body></html>\n";
}

} // namespace mink::bench
