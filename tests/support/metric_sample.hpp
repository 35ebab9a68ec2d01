#pragma once

// Reads one sample of the Prometheus text that a service's /metrics serves.

#include <exception>
#include <optional>
#include <string>

namespace mink::test_support {

/// The value of `series` in the Prometheus text `body`: a family name with
/// its labels as rendered (`name{label="value"}`). Nothing when the series
/// is not there, or its line does not end in one number.
inline std::optional<double> metric_sample(const std::string& body,
                                           const std::string& series) {
  auto key = "\n" + series + " ";
  auto at = body.find(key);
  if (at == std::string::npos)
    return std::nullopt;
  auto from = at + key.size();
  auto end = body.find('\n', from);
  if (end == std::string::npos)
    return std::nullopt;
  auto text = body.substr(from, end - from);
  try {
    size_t used = 0;
    auto value = std::stod(text, &used);
    if (used == text.size())
      return value;
  } catch (const std::exception&) {
    // not a number: nothing
  }
  return std::nullopt;
}

} // namespace mink::test_support
