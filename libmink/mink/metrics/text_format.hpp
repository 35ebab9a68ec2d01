#pragma once

#include <string>
#include <string_view>

namespace mink::metrics {

class registry;

/// The HTTP `Content-Type` of `to_prometheus_text`'s output.
constexpr std::string_view prometheus_content_type
  = "text/plain; version=0.0.4; charset=utf-8";

/// Renders every family of `reg` in the Prometheus text exposition format
/// 0.0.4: per family (ordered by name) a `# HELP` line (left out when the
/// help text is empty), a `# TYPE` line and one sample line per child,
/// children ordered by label values. Histograms write cumulative
/// `<name>_bucket{...,le="..."}` lines ending with `le="+Inf"`, then
/// `<name>_sum` and `<name>_count`. No timestamps.
[[nodiscard]] std::string to_prometheus_text(const registry& reg);

/// Appends `x` as Prometheus parses it, independent of the C++ locale: the
/// shortest text that reads back as the same double, `+Inf`, `-Inf` or
/// `NaN`; plain decimals for magnitudes in [1e-4, 1e21), otherwise
/// scientific notation such as `1e-05`.
void append_prometheus_float(std::string& out, double x);

/// Returns `append_prometheus_float`'s text for `x`.
[[nodiscard]] std::string format_prometheus_float(double x);

/// Escapes a label value: backslash, double quote and newline become `\\`,
/// `\"` and `\n`.
[[nodiscard]] std::string escape_label_value(std::string_view str);

/// Escapes help text: backslash and newline become `\\` and `\n`.
[[nodiscard]] std::string escape_help(std::string_view str);

} // namespace mink::metrics
