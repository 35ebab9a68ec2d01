#pragma once

#include <atomic>
#include <cstdint>
#include <type_traits>

#include "mink/metrics/atomic_double.hpp"
#include "mink/metrics/metric_kind.hpp"

namespace mink::metrics {

/// A monotonic total, e.g. events appended. Every operation is lock-free
/// and safe to call from any number of threads.
///
/// Whole-number additions go into a 64-bit integer and stay exact at any
/// size; fractional additions go into a separate double. `value()` is the
/// sum of both.
class counter {
public:
  /// The kind of this metric type.
  static constexpr metric_kind kind = metric_kind::counter;

  counter() noexcept = default;

  counter(const counter&) = delete;

  counter& operator=(const counter&) = delete;

  /// Adds one.
  void inc() noexcept {
    integer_.fetch_add(1, std::memory_order_relaxed);
  }

  /// Adds `n`. A negative `n` is ignored: a counter never goes down.
  template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
  void add(T n) noexcept {
    if constexpr (std::is_signed_v<T>) {
      if (n < 0)
        return;
    }
    integer_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }

  /// Adds `n`. A negative or NaN `n` is ignored: a counter never goes down.
  /// Whole numbers below 2^64 are added exactly.
  template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  void add(T n) noexcept {
    add_double(static_cast<double>(n));
  }

  /// Returns the current total.
  [[nodiscard]] double value() const noexcept {
    return static_cast<double>(integer_part()) + float_part();
  }

  /// Returns the sum of all whole-number additions (exact).
  [[nodiscard]] uint64_t integer_part() const noexcept {
    return integer_.load(std::memory_order_relaxed);
  }

  /// Returns the sum of all additions that were not whole numbers.
  [[nodiscard]] double float_part() const noexcept {
    return float_.load(std::memory_order_relaxed);
  }

private:
  void add_double(double n) noexcept {
    if (!(n >= 0.0)) // also catches NaN
      return;
    // 2^64: the first double that no longer fits into uint64_t.
    constexpr double integer_limit = 18446744073709551616.0;
    if (n < integer_limit) {
      auto whole = static_cast<uint64_t>(n);
      if (static_cast<double>(whole) == n) {
        integer_.fetch_add(whole, std::memory_order_relaxed);
        return;
      }
    }
    detail::atomic_add(float_, n);
  }

  std::atomic<uint64_t> integer_{0};
  std::atomic<double> float_{0.0};
};

} // namespace mink::metrics
