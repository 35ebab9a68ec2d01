#pragma once

#include <cstdint>

namespace mink::metrics {

/// The kind of a metric family; decides its `# TYPE` line and its samples.
enum class metric_kind : uint8_t {
  /// A monotonic total: only goes up.
  counter,
  /// A value that goes up and down.
  gauge,
  /// Observations counted into fixed buckets, plus their sum and count.
  histogram,
};

/// Returns the Prometheus type name of `x`: `counter`, `gauge` or
/// `histogram`.
const char* to_string(metric_kind x) noexcept;

} // namespace mink::metrics
