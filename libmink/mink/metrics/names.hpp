#pragma once

#include <string_view>

#include <caf/error.hpp>

namespace mink::metrics {

/// Checks a metric name against the Prometheus grammar
/// `[a-zA-Z_:][a-zA-Z0-9_:]*`. Returns `errc::invalid_argument` naming the
/// offending name, or the empty error.
[[nodiscard]] caf::error validate_metric_name(std::string_view name);

/// Checks a label name against the Prometheus grammar
/// `[a-zA-Z_][a-zA-Z0-9_]*`; names starting with `__` are reserved for
/// Prometheus itself and rejected too. Returns `errc::invalid_argument`
/// naming the offending name, or the empty error.
[[nodiscard]] caf::error validate_label_name(std::string_view name);

} // namespace mink::metrics
