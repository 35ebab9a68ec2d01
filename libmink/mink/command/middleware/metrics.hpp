#pragma once

#include <caf/expected.hpp>

#include "mink/command/pipeline.hpp"
#include "mink/metrics/registry.hpp"

namespace mink {

/// Counts commands and times them, in `reg`:
/// - `mink_commands_total{type, outcome}`: outcome is `ok`,
///   `business_error`, or the mink error code (`wrong_expected_version`,
///   `overloaded`, `timeout`, ...);
/// - `mink_command_duration_seconds{type}`: from entering this piece to the
///   answer, as a histogram with the default latency buckets.
/// Fails when the metric names are taken with another definition.
[[nodiscard]] caf::expected<middleware> command_metrics(metrics::registry& reg);

} // namespace mink
