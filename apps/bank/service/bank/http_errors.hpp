#pragma once

#include <optional>
#include <string>

#include <caf/error.hpp>

#include "mink/http/error_mapping.hpp"

namespace bank {

using http_error = mink::http::http_error;

/// The answers of the bank's business errors: `account_not_open` 404;
/// `account_closed`, `account_already_open`, `transfer_exists`,
/// `invalid_transfer_state` 409; `invalid_amount`, `insufficient_funds`,
/// `same_account`, `balance_overflow`, `invalid_owner` 422. None for an
/// error of another category.
std::optional<http_error> bank_http_error(const caf::error& err);

/// Maps an error from a command or a store to its HTTP answer: the bank's
/// business errors as above, mink's as `mink::http::to_http_error` does.
http_error to_http_error(const caf::error& err);

using mink::http::error_json;

} // namespace bank
