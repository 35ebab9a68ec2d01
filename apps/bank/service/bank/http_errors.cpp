#include "bank/http_errors.hpp"


#include "bank/errors.hpp"
#include "mink/errc.hpp"
#include "mink/http/message.hpp"

namespace bank {

http_error to_http_error(const caf::error& err) {
  if (err.category() == bank_error_category) {
    auto code = bank_code_of(err);
    auto msg = explanation(err);
    if (msg.empty())
      msg = to_string(code);
    switch (code) {
      case bank_errc::account_not_open:
        return {404, "account_not_found", "no open account with this id"};
      case bank_errc::account_closed:
      case bank_errc::account_already_open:
      case bank_errc::transfer_exists:
      case bank_errc::invalid_transfer_state:
        return {409, to_string(code), msg};
      case bank_errc::invalid_amount:
      case bank_errc::insufficient_funds:
      case bank_errc::same_account:
      case bank_errc::balance_overflow:
      case bank_errc::invalid_owner:
        return {422, to_string(code), msg};
      case bank_errc::none:
        break;
    }
    return {500, "internal_error", msg};
  }
  if (err.category() == mink::error_category) {
    auto code = mink::code_of(err);
    auto msg = mink::to_text(err);
    switch (code) {
      case mink::errc::invalid_argument:
        return {400, "invalid_argument", msg};
      case mink::errc::overloaded:
        return {503, "overloaded", msg};
      case mink::errc::store_unavailable:
        return {503, "store_unavailable", msg};
      case mink::errc::timeout:
        return {503, "timeout", msg};
      case mink::errc::storage_failure:
        return {503, "storage_failure", msg};
      case mink::errc::wrong_expected_version:
        return {409, "conflict", msg};
      case mink::errc::duplicate_command:
        return {409, "duplicate_command", msg};
      default:
        return {500, mink::to_string(code), msg};
    }
  }
  return {500, "internal_error", caf::to_string(err)};
}

// One JSON error format for the server's own answers and the service's.
std::string json_escape(const std::string& raw) {
  return mink::http::json_escape(raw);
}

std::string error_json(const http_error& err,
                       const std::string& correlation_id) {
  return mink::http::error_json(err.code, err.message, correlation_id);
}

} // namespace bank
