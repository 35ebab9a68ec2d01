#include "progress.hpp"

#include <unistd.h>

#include <cmath>

namespace mink::cli {

progress::progress(std::string label, int64_t total, bool enabled)
  : label_(std::move(label)),
    total_(total),
    enabled_(enabled),
    tty_(isatty(STDERR_FILENO) == 1),
    start_(clock::now()),
    last_(start_) {
  // nop
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return "?";
  auto s = static_cast<int64_t>(std::llround(seconds));
  char buf[64];
  if (s >= 3600)
    std::snprintf(buf, sizeof(buf), "%lldh%02lldm%02llds",
                  static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60),
                  static_cast<long long>(s % 60));
  else if (s >= 60)
    std::snprintf(buf, sizeof(buf), "%lldm%02llds",
                  static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(s));
  return buf;
}

std::string progress::line(int64_t done, int64_t count) const {
  auto elapsed = std::chrono::duration<double>(clock::now() - start_).count();
  auto rate = elapsed > 0 ? static_cast<double>(count) / elapsed : 0.0;
  char buf[256];
  std::string result = label_ + ": ";
  if (total_ > 0) {
    auto fraction = std::min(1.0, static_cast<double>(done)
                                    / static_cast<double>(total_));
    if (tty_) {
      constexpr int width = 30;
      auto filled = static_cast<int>(fraction * width);
      result += '[';
      result.append(static_cast<size_t>(filled), '#');
      result.append(static_cast<size_t>(width - filled), '.');
      result += "] ";
    }
    std::snprintf(buf, sizeof(buf), "%5.1f%% ", fraction * 100);
    result += buf;
    auto unit_rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
    auto remaining = unit_rate > 0
                       ? static_cast<double>(total_ - done) / unit_rate
                       : -1.0;
    std::snprintf(buf, sizeof(buf), "%lld events, %.0f events/s, %s left",
                  static_cast<long long>(count), rate,
                  format_duration(remaining).c_str());
  } else {
    std::snprintf(buf, sizeof(buf), "%lld events, %.0f events/s",
                  static_cast<long long>(count), rate);
  }
  result += buf;
  return result;
}

void progress::update(int64_t done, int64_t count) {
  if (!enabled_)
    return;
  auto now = clock::now();
  auto every = tty_ ? std::chrono::milliseconds{100} : line_interval;
  if (now - last_ < every)
    return;
  last_ = now;
  auto text = line(done, count);
  if (tty_) {
    std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
    drawn_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void progress::finish(int64_t count) {
  if (!enabled_)
    return;
  auto elapsed = std::chrono::duration<double>(clock::now() - start_).count();
  auto rate = elapsed > 0 ? static_cast<double>(count) / elapsed : 0.0;
  if (drawn_)
    std::fprintf(stderr, "\r\x1b[K");
  std::fprintf(stderr, "%s: done, %lld events in %.1f s (%.0f events/s)\n",
               label_.c_str(), static_cast<long long>(count), elapsed, rate);
  std::fflush(stderr);
}

} // namespace mink::cli
