#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "mink/metrics/metric_kind.hpp"

namespace mink::metrics {

/// A consistent-enough copy of a histogram's state, for exporting.
struct histogram_snapshot {
  /// The upper bounds of the finite buckets.
  std::vector<double> bounds;
  /// Cumulative counts: element `i` counts observations `<= bounds[i]`;
  /// the last element (one more than `bounds`) is the `+Inf` bucket.
  std::vector<uint64_t> cumulative_counts;
  /// The sum of all observations.
  double sum = 0.0;

  /// Returns the number of observations (equal to the `+Inf` bucket).
  [[nodiscard]] uint64_t count() const noexcept {
    return cumulative_counts.empty() ? 0 : cumulative_counts.back();
  }
};

/// Counts observations (e.g. latencies in seconds) into buckets with fixed
/// upper bounds, and keeps their sum. `observe` is lock-free and safe to
/// call from any number of threads.
///
/// An observation lands in the first bucket whose bound is greater than or
/// equal to it (Prometheus' `le`, "less or equal"); anything above the last
/// bound lands in the implied `+Inf` bucket. NaN observations are ignored.
class histogram {
public:
  /// The kind of this metric type.
  static constexpr metric_kind kind = metric_kind::histogram;

  /// Creates a histogram with the given bucket upper bounds. The registry
  /// checks bounds with `validate_buckets` first; a histogram built directly
  /// sorts them and drops duplicates and non-finite bounds.
  explicit histogram(std::vector<double> bounds);

  histogram(const histogram&) = delete;

  histogram& operator=(const histogram&) = delete;

  /// Records one observation.
  void observe(double x) noexcept;

  /// Returns the finite bucket upper bounds.
  [[nodiscard]] const std::vector<double>& bounds() const noexcept {
    return bounds_;
  }

  /// Returns the number of observations so far.
  [[nodiscard]] uint64_t count() const noexcept;

  /// Returns the sum of observations so far.
  [[nodiscard]] double sum() const noexcept {
    return sum_.load(std::memory_order_relaxed);
  }

  /// Returns cumulative bucket counts and the sum. Taken without stopping
  /// writers: the buckets always add up to the count, but the sum may
  /// miss or include an observation that is being recorded concurrently.
  [[nodiscard]] histogram_snapshot snapshot() const;

private:
  std::vector<double> bounds_;
  /// One counter per bucket (not cumulative), the last for `+Inf`.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0.0};
};

} // namespace mink::metrics
