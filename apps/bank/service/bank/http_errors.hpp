#pragma once

#include <string>

#include <caf/error.hpp>

namespace bank {

/// An HTTP error answer: status, a short machine-readable code and a
/// message for people.
struct http_error {
  int status = 500;
  std::string code;
  std::string message;
};

/// Maps an error from a command or a store to its HTTP answer:
/// - bank errors: `account_not_open` 404; `account_closed`,
///   `account_already_open`, `transfer_exists`, `invalid_transfer_state`
///   409; `invalid_amount`, `insufficient_funds`, `same_account`,
///   `balance_overflow`, `invalid_owner` 422;
/// - mink errors: `invalid_argument` 400; `overloaded`, `store_unavailable`,
///   `timeout`, `storage_failure` 503; `wrong_expected_version`,
///   `duplicate_command` 409; anything else 500.
http_error to_http_error(const caf::error& err);

/// `{"error": code, "message": message, "correlation_id": id}`.
std::string error_json(const http_error& err, const std::string& correlation_id);

/// Escapes `str` as the inside of a JSON string (quotes, backslashes and
/// control characters); text that is not valid UTF-8 is replaced whole.
std::string json_escape(const std::string& str);

} // namespace bank
