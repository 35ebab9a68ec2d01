#pragma once

// A log-linear histogram of latencies, after HdrHistogram (which Debian
// does not package): every request is counted, none sampled, in buckets
// whose width grows with the value so that each value is kept to a fixed
// number of significant digits.

#include <cstddef>
#include <cstdint>
#include <vector>

#include <caf/error.hpp>

namespace mink::bench {

/// Counts of values from 0 to `highest`, each kept to `digits` significant
/// decimal digits: a value v is counted in a bucket whose values differ
/// from v by less than v / 10^digits (1 in 1 000 for the default 3). Values
/// below 2 * 10^digits are kept exactly. Memory is fixed at construction:
/// about 2^(log2(2 * 10^digits) + 1) counters per power of two up to
/// `highest` (for the defaults, nanoseconds up to an hour: 33 792 counters,
/// 270 KB). Not thread-safe: one per thread, merged at the end.
class latency_histogram {
public:
  /// One run of equal values: every value from `low` to `high` counted
  /// `count` times.
  struct bucket {
    int64_t low = 0;
    int64_t high = 0;
    uint64_t count = 0;
  };

  /// `highest` at least 2, `digits` from 1 to 4; others are raised or
  /// lowered to those bounds.
  explicit latency_histogram(int64_t highest = 3'600'000'000'000,
                             int digits = 3);

  /// Counts `value` `n` times. A negative value counts as 0; one above
  /// `highest` as `highest`, and in `clamped()`.
  void record(int64_t value, uint64_t n = 1);

  /// Adds the counts of `other`, which must have the same `highest` and
  /// `digits` (`invalid_argument` otherwise, and nothing is added).
  [[nodiscard]] caf::error merge(const latency_histogram& other);

  /// Forgets every count.
  void reset();

  [[nodiscard]] uint64_t count() const noexcept {
    return total_;
  }

  /// Values that were above `highest` and counted as it.
  [[nodiscard]] uint64_t clamped() const noexcept {
    return clamped_;
  }

  /// The smallest and largest value recorded, exactly (0 when empty).
  [[nodiscard]] int64_t min() const noexcept {
    return total_ == 0 ? 0 : min_;
  }
  [[nodiscard]] int64_t max() const noexcept {
    return max_;
  }

  /// The mean, from the buckets' middles (0 when empty).
  [[nodiscard]] double mean() const;

  /// The value at percentile `p` (0 to 100): the highest value of the
  /// bucket that holds the recording of that rank, capped at `max()`. So
  /// `percentile(100)` is `max()`, and a percentile is never below the
  /// true one. 0 when empty.
  [[nodiscard]] int64_t percentile(double p) const;

  /// The buckets that counted anything, lowest first: the distribution.
  [[nodiscard]] std::vector<bucket> buckets() const;

  [[nodiscard]] int64_t highest() const noexcept {
    return highest_;
  }
  [[nodiscard]] int digits() const noexcept {
    return digits_;
  }

private:
  size_t index_of(int64_t value) const noexcept;
  int64_t low_of(size_t index) const noexcept;
  int64_t high_of(size_t index) const noexcept;

  int64_t highest_;
  int digits_;
  /// log2 of the counters in the first bucket: 2^sub_bits_ >= 2 * 10^digits.
  int sub_bits_;
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t clamped_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
};

} // namespace mink::bench
