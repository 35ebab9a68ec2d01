#pragma once

#include <cmath>
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

} // namespace mink::cli
