#pragma once

#include <atomic>

#include "mink/metrics/atomic_double.hpp"
#include "mink/metrics/metric_kind.hpp"

namespace mink::metrics {

/// A value that goes up and down, e.g. live actors or a projection's lag.
/// Every operation is lock-free and safe to call from any number of threads.
///
/// The value is a double: integers (int64 positions, counts) are exact up to
/// 2^53.
class gauge {
public:
  /// The kind of this metric type.
  static constexpr metric_kind kind = metric_kind::gauge;

  gauge() noexcept = default;

  gauge(const gauge&) = delete;

  gauge& operator=(const gauge&) = delete;

  /// Replaces the value with `x`.
  void set(double x) noexcept {
    value_.store(x, std::memory_order_relaxed);
  }

  /// Adds `n` (default 1).
  void inc(double n = 1.0) noexcept {
    detail::atomic_add(value_, n);
  }

  /// Subtracts `n` (default 1).
  void dec(double n = 1.0) noexcept {
    detail::atomic_add(value_, -n);
  }

  /// Returns the current value.
  [[nodiscard]] double value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<double> value_{0.0};
};

} // namespace mink::metrics
