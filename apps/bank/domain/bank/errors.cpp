#include "bank/errors.hpp"

#include <caf/make_message.hpp>

#include "mink/errc.hpp"

namespace bank {

caf::error make_error(bank_errc x) {
  return caf::error{static_cast<uint8_t>(x), bank_error_category};
}

caf::error make_error(bank_errc x, std::string what) {
  return caf::error{static_cast<uint8_t>(x), bank_error_category,
                    caf::make_message(std::move(what))};
}

bank_errc bank_code_of(const caf::error& err) {
  if (!err || err.category() != bank_error_category)
    return bank_errc::none;
  return static_cast<bank_errc>(err.code());
}

std::string explanation(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

std::string describe(const caf::error& err) {
  if (!err || err.category() != bank_error_category)
    return mink::to_text(err);
  std::string result = "bank.";
  result += mink::enum_name(static_cast<bank_errc>(err.code()));
  auto what = explanation(err);
  if (!what.empty()) {
    result += ": ";
    result += what;
  }
  return result;
}

} // namespace bank
