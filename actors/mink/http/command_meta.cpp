#include "mink/http/command_meta.hpp"

#include <algorithm>
#include <cctype>

#include "mink/uuid.hpp"

namespace mink::http {

std::optional<http_error>
command_meta(const request& req, metadata& meta, std::string& command_id) {
  meta.correlation_id = req.correlation_id;
  auto key = req.header("idempotency-key");
  if (!key) {
    command_id = make_uuid();
    return std::nullopt;
  }
  if (!is_uuid(*key))
    return http_error{400, "invalid_header", "Idempotency-Key must be a UUID"};
  // A UUID is the same in either case (the aggregate compares command ids
  // in lower case); so is the id of an aggregate made from it, so that a
  // repeat with the key in another case reaches the same aggregate.
  command_id = *key;
  std::transform(command_id.begin(), command_id.end(), command_id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::nullopt;
}

} // namespace mink::http
