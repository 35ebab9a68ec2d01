#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace mink::cli {

/// Shows how far long work got, on stderr: a redrawn bar with rate and
/// remaining time on a terminal, a plain line every `line_interval`
/// otherwise, and always a final summary line. Progress is counted in
/// `units` (events, or bytes of an input file); `rate_count` is what the
/// rate counts (events).
class progress {
public:
  /// `total` 0 means unknown. `enabled` false shows nothing.
  progress(std::string label, int64_t total, bool enabled);

  /// Reports `done` units of `total` and `count` events so far.
  void update(int64_t done, int64_t count);

  /// Prints the summary line.
  void finish(int64_t count);

  /// Overrides the terminal detection (tests).
  void set_terminal(bool tty) noexcept { tty_ = tty; }

  static constexpr std::chrono::milliseconds line_interval{1000};

private:
  using clock = std::chrono::steady_clock;

  std::string line(int64_t done, int64_t count) const;

  std::string label_;
  int64_t total_;
  bool enabled_;
  bool tty_;
  bool drawn_ = false;
  clock::time_point start_;
  clock::time_point last_;
};

/// Formats seconds as `1h02m03s`, `2m03s` or `3s`.
std::string format_duration(double seconds);

} // namespace mink::cli
