#include "mink/errc.hpp"

#include "mink/business_error.hpp"

#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/to_string.hpp>

namespace mink {

const char* to_string(errc x) {
  switch (x) {
    case errc::none: return "none";
    case errc::wrong_expected_version: return "wrong_expected_version";
    case errc::stream_not_found: return "stream_not_found";
    case errc::store_unavailable: return "store_unavailable";
    case errc::invalid_argument: return "invalid_argument";
    case errc::unknown_event_type: return "unknown_event_type";
    case errc::decode_failed: return "decode_failed";
    case errc::timeout: return "timeout";
    case errc::duplicate_event_id: return "duplicate_event_id";
    case errc::overloaded: return "overloaded";
    case errc::storage_failure: return "storage_failure";
    case errc::duplicate_command: return "duplicate_command";
    case errc::handler_failed: return "handler_failed";
    case errc::projection_not_found: return "projection_not_found";
    case errc::projection_failed: return "projection_failed";
    case errc::not_owner: return "not_owner";
  }
  return "unknown_error_code";
}

caf::error make_error(errc x) {
  return caf::error{static_cast<uint8_t>(x), error_category};
}

caf::error make_error(errc x, std::string what) {
  return caf::error{static_cast<uint8_t>(x), error_category,
                    caf::make_message(std::move(what))};
}

errc code_of(const caf::error& err) {
  if (!err || err.category() != error_category)
    return errc::none;
  return static_cast<errc>(err.code());
}

std::string to_text(const caf::error& err) {
  if (!err)
    return "none";
  if (err.category() != error_category)
    return caf::to_string(err);
  std::string result = to_string(code_of(err));
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
    result += ": ";
    result += ctx.get_as<std::string>(0);
  }
  return result;
}

std::string explanation_of(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

std::string message_of(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return to_text(err);
}

} // namespace mink
