#include "bank/http_errors.hpp"

#include "bank/errors.hpp"

namespace bank {

std::optional<http_error> bank_http_error(const caf::error& err) {
  auto code = mink::business_code_of<bank_errc>(err);
  if (code == bank_errc::none)
    return std::nullopt;
  auto msg = mink::explanation_of(err);
  if (msg.empty())
    msg = mink::enum_name(code);
  switch (code) {
    case bank_errc::account_not_open:
      return http_error{404, "account_not_found", "no open account with this id"};
    case bank_errc::account_closed:
    case bank_errc::account_already_open:
    case bank_errc::transfer_exists:
    case bank_errc::invalid_transfer_state:
      return http_error{409, mink::enum_name(code), msg};
    case bank_errc::invalid_amount:
    case bank_errc::insufficient_funds:
    case bank_errc::same_account:
    case bank_errc::balance_overflow:
    case bank_errc::invalid_owner:
      return http_error{422, mink::enum_name(code), msg};
    case bank_errc::none:
      break;
  }
  return http_error{500, "internal_error", msg};
}

http_error to_http_error(const caf::error& err) {
  return mink::http::to_http_error(err, bank_http_error);
}

} // namespace bank
