#pragma once

// A benchmark report for people: a summary as text (for the terminal) and
// one self-contained HTML file (inline SVG charts, no script, no network),
// for one run or two side by side.

#include <string>

#include "mink/bench/run_report.hpp"

namespace mink::bench {

/// The summary table of `r` as aligned text: throughput, latency
/// percentiles, errors by kind, retries, lag, CPU, memory, baselines.
[[nodiscard]] std::string summary_text(const run_report& r);

/// `r` as an HTML page: the summary, the parameters, the baselines with
/// mink's ratio to each, and charts of throughput and latency percentiles
/// over time, the latency distribution and the projection lag.
[[nodiscard]] std::string render_html(const run_report& r);

/// Runs `a` and `b` side by side as text, with the ratio b / a of each
/// figure.
[[nodiscard]] std::string compare_text(const run_report& a,
                                       const run_report& b);

/// Runs `a` and `b` side by side as an HTML page (the ratios, and both on
/// each chart).
[[nodiscard]] std::string render_compare_html(const run_report& a,
                                              const run_report& b);

} // namespace mink::bench
