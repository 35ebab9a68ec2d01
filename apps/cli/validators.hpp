#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace mink::cli {

/// A number of at least 0 that is finite: CLI11's `NonNegativeNumber` lets
/// `nan` through (it compares false with every bound).
inline CLI::Validator finite_non_negative() {
  return CLI::Validator{[](std::string& in) -> std::string {
                          double x = 0;
                          if (!CLI::detail::lexical_cast(in, x)
                              || !std::isfinite(x) || x < 0)
                            return "Value " + in
                                   + " is not a finite number of at least 0";
                          return {};
                        },
                        "NONNEGATIVE"};
}

/// An integer from `lo` to `hi`, written in decimal digits: CLI11's
/// `Range` takes `9223372036854775808` as the largest int64 instead of
/// refusing it.
inline CLI::Validator int64_in(int64_t lo, int64_t hi) {
  return CLI::Validator{[lo, hi](std::string& in) -> std::string {
                          int64_t x = 0;
                          auto end = in.data() + in.size();
                          auto [p, ec] = std::from_chars(in.data(), end, x);
                          if (in.empty() || ec != std::errc{} || p != end
                              || x < lo || x > hi)
                            return "Value " + in + " is not an integer from "
                                   + std::to_string(lo) + " to "
                                   + std::to_string(hi);
                          return {};
                        },
                        "INT in [" + std::to_string(lo) + " - "
                          + std::to_string(hi) + "]"};
}

} // namespace mink::cli
