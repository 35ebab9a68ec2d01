#include "mink/http/error_mapping.hpp"

#include "mink/errc.hpp"
#include "mink/http/message.hpp"

namespace mink::http {

namespace {

http_error from_errc(errc code, std::string msg) {
  switch (code) {
    case errc::invalid_argument:
      return {400, "invalid_argument", std::move(msg)};
    case errc::overloaded:
    case errc::store_unavailable:
    case errc::timeout:
    case errc::storage_failure:
    case errc::not_owner:
      return {503, to_string(code), std::move(msg)};
    case errc::wrong_expected_version:
      return {409, "conflict", std::move(msg)};
    case errc::duplicate_command:
      return {409, "duplicate_command", std::move(msg)};
    default:
      return {500, to_string(code), std::move(msg)};
  }
}

} // namespace

http_error to_http_error(const caf::error& err,
                         const business_error_map& business) {
  if (business)
    if (auto x = business(err))
      return std::move(*x);
  if (err.category() == error_category)
    return from_errc(code_of(err), to_text(err));
  return {500, "internal_error", caf::to_string(err)};
}

std::string error_json(const http_error& err,
                       const std::string& correlation_id) {
  return error_json(err.code, err.message, correlation_id);
}

} // namespace mink::http
