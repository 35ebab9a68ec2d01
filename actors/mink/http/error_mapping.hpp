#pragma once

#include <functional>
#include <optional>
#include <string>

#include <caf/error.hpp>

namespace mink::http {

/// An HTTP error answer: status, a short machine-readable code and a
/// message for people.
struct http_error {
  int status = 500;
  std::string code;
  std::string message;
};

/// Maps a service's business errors (its own error category) to their
/// answers; none for an error it does not know.
using business_error_map
  = std::function<std::optional<http_error>(const caf::error&)>;

/// Maps an error from a command or a store to its HTTP answer: through
/// `business` first (when set), then mink's codes: `invalid_argument` 400;
/// `overloaded`, `store_unavailable`, `timeout`, `storage_failure` 503
/// (the client may retry); `wrong_expected_version` 409 `conflict`,
/// `duplicate_command` 409; any other mink code 500 with its name; an
/// error of an unknown category 500 `internal_error`.
[[nodiscard]] http_error to_http_error(const caf::error& err,
                                       const business_error_map& business = {});

/// `{"error": code, "message": message, "correlation_id": id}`.
[[nodiscard]] std::string error_json(const http_error& err,
                                     const std::string& correlation_id);

} // namespace mink::http
