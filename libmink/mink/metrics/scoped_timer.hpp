#pragma once

#include <chrono>

#include "mink/metrics/histogram.hpp"

namespace mink::metrics {

/// Returns `d` in seconds, the unit of mink's latency histograms.
template <class Rep, class Period>
[[nodiscard]] double to_seconds(std::chrono::duration<Rep, Period> d) noexcept {
  return std::chrono::duration<double>(d).count();
}

/// Observes the duration `d`, in seconds, into `h`; for code that cannot
/// use `scoped_timer`, e.g. a start time kept across actor messages.
template <class Rep, class Period>
void observe_duration(histogram& h,
                      std::chrono::duration<Rep, Period> d) noexcept {
  h.observe(to_seconds(d));
}

/// Observes the seconds from its construction to its destruction (or to
/// `stop()`) into a histogram, once:
///
/// ~~~
/// {
///   scoped_timer timer{*append_latency};
///   store.append(...);
/// } // observed here
/// ~~~
class scoped_timer {
public:
  using clock_type = std::chrono::steady_clock;

  /// Starts timing for `h`, which must outlive the timer.
  explicit scoped_timer(histogram& h) noexcept
    : hist_(&h), start_(clock_type::now()) {
    // nop
  }

  /// Takes over `other`'s measurement; `other` then observes nothing.
  scoped_timer(scoped_timer&& other) noexcept
    : hist_(other.hist_), start_(other.start_) {
    other.hist_ = nullptr;
  }

  scoped_timer(const scoped_timer&) = delete;

  scoped_timer& operator=(const scoped_timer&) = delete;

  scoped_timer& operator=(scoped_timer&&) = delete;

  /// Observes the elapsed time unless `stop` or `cancel` came first.
  ~scoped_timer() {
    stop();
  }

  /// Returns the seconds since construction, without observing them.
  [[nodiscard]] double elapsed() const noexcept {
    return to_seconds(clock_type::now() - start_);
  }

  /// Observes the elapsed seconds now and returns them; later calls and the
  /// destructor observe nothing more (they return or do nothing).
  double stop() noexcept {
    auto seconds = elapsed();
    if (hist_ != nullptr) {
      hist_->observe(seconds);
      hist_ = nullptr;
    }
    return seconds;
  }

  /// Drops the measurement: nothing will be observed.
  void cancel() noexcept {
    hist_ = nullptr;
  }

private:
  histogram* hist_;
  clock_type::time_point start_;
};

} // namespace mink::metrics
