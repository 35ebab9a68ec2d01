#pragma once

#include <string_view>

#include "mink/http/message.hpp"

namespace mink::http {

/// Whether `given` equals `expected`, in time that depends on neither
/// (both are hashed with SHA-256, then compared with OpenSSL's
/// `CRYPTO_memcmp`): a client cannot find a token byte by byte by timing.
[[nodiscard]] bool token_matches(std::string_view given,
                                 std::string_view expected);

/// Why `req` may not use a route guarded by `token`, or nothing when it
/// may: 403 `admin_disabled` when `token` is empty (the routes are off),
/// 401 `unauthorized` without `Authorization: Bearer ...`, 403 `forbidden`
/// for a wrong token.
struct auth_refusal {
  int status;
  const char* code;
  const char* message;
};

[[nodiscard]] const auth_refusal* check_bearer(const request& req,
                                               std::string_view token);

} // namespace mink::http
