#pragma once

#include <cstddef>
#include <memory>
#include <set>
#include <string>

#include <caf/expected.hpp>
#include <prometheus/registry.h>

#include "mink/command/pipeline.hpp"

namespace mink {

/// Which command types `command_metrics` labels by name. Label values make
/// time series, so they must come from a bounded set: a caller who sends
/// made-up command types must not grow the registry.
struct command_metrics_config {
  /// The command types labelled by name (for example the command bus's
  /// routes); any other type is labelled `other_label`. Empty: the first
  /// `max_types` distinct types seen are labelled by name, later new ones
  /// `other_label`.
  std::set<std::string> known_types;
  /// How many distinct types get a label of their own when `known_types`
  /// is empty.
  size_t max_types = 64;
  /// The label that unknown command types share.
  std::string other_label = "other";
};

/// Counts commands and times them, in `reg`:
/// - `mink_commands_total{type, outcome}`: outcome is `ok`,
///   `business_error`, or the mink error code (`wrong_expected_version`,
///   `overloaded`, `timeout`, ...), or `other_error`;
/// - `mink_command_duration_seconds{type}`: from entering this piece to the
///   answer, as a histogram with `latency_buckets()`.
/// `type` is the command type or, for types outside `cfg`, its
/// `other_label`; so both families stay bounded whatever callers send.
/// Fails with `invalid_argument` when the names are taken by metrics of
/// another kind.
/// The middleware keeps `reg` alive: the pipeline may outlive its
/// service's other parts.
[[nodiscard]] caf::expected<middleware>
command_metrics(std::shared_ptr<prometheus::Registry> reg,
                command_metrics_config cfg = {});

} // namespace mink
