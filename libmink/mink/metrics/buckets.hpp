#pragma once

#include <cstddef>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace mink::metrics {

/// Returns the default bucket upper bounds for latencies, in seconds:
/// 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
/// 5, 10 (the `+Inf` bucket is always implied).
[[nodiscard]] std::vector<double> default_latency_buckets();

/// Returns `count` bounds `start, start + width, start + 2 * width, ...`.
/// Fails with `errc::invalid_argument` unless `count >= 1`, `width > 0`
/// and both numbers are finite.
[[nodiscard]] caf::expected<std::vector<double>>
linear_buckets(double start, double width, size_t count);

/// Returns `count` bounds `start, start * factor, start * factor^2, ...`,
/// e.g. for batch sizes. Fails with `errc::invalid_argument` unless
/// `count >= 1`, `start > 0`, `factor > 1` and both numbers are finite.
[[nodiscard]] caf::expected<std::vector<double>>
exponential_buckets(double start, double factor, size_t count);

/// Checks bucket upper bounds for a histogram: at least one, all finite
/// (the `+Inf` bucket is implied), strictly increasing (so no duplicates).
/// Returns `errc::invalid_argument` naming the problem, or the empty error.
[[nodiscard]] caf::error validate_buckets(const std::vector<double>& bounds);

} // namespace mink::metrics
