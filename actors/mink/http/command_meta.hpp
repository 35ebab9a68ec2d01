#pragma once

#include <optional>
#include <string>

#include "mink/http/error_mapping.hpp"
#include "mink/http/message.hpp"
#include "mink/metadata.hpp"

namespace mink::http {

/// The command id and metadata of a command sent over HTTP: `meta` gets the
/// request's correlation id; `command_id` is the `Idempotency-Key` header
/// in lower case (a retry with the same key, in any case, is answered as
/// the first attempt was), or a new UUID without one. Returns 400
/// `invalid_header` for a key that is not a UUID.
[[nodiscard]] std::optional<http_error>
command_meta(const request& req, metadata& meta, std::string& command_id);

} // namespace mink::http
