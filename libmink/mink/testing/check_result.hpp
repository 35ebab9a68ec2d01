#pragma once

#include <string>
#include <utility>

namespace mink::testing {

/// The outcome of a test check, independent of any test framework: whether
/// it held and, when it did not, a readable explanation.
struct check_result {
  /// Whether the check held.
  bool ok = true;

  /// What differs between the expectation and the outcome; empty when `ok`.
  std::string difference;

  /// A check that held.
  static check_result pass() {
    return {};
  }

  /// A check that failed, explained by `difference`.
  static check_result fail(std::string difference) {
    return {false, std::move(difference)};
  }

  explicit operator bool() const noexcept {
    return ok;
  }
};

} // namespace mink::testing
