#include "mink/http/token.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace mink::http {

bool token_matches(std::string_view given, std::string_view expected) {
  unsigned char a[SHA256_DIGEST_LENGTH];
  unsigned char b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(expected.data()),
         expected.size(), b);
  return CRYPTO_memcmp(a, b, sizeof(a)) == 0;
}

const auth_refusal* check_bearer(const request& req, std::string_view token) {
  static const auth_refusal disabled{403, "admin_disabled",
                                     "administrative routes are off: no "
                                     "admin token is configured"};
  static const auth_refusal missing{401, "unauthorized",
                                    "this route needs 'Authorization: "
                                    "Bearer <admin token>'"};
  static const auth_refusal wrong{403, "forbidden", "the token is not valid"};
  if (token.empty())
    return &disabled;
  auto header = req.header("authorization");
  constexpr std::string_view prefix = "Bearer ";
  if (!header || header->size() <= prefix.size()
      || std::string_view{*header}.substr(0, prefix.size()) != prefix)
    return &missing;
  if (!token_matches(std::string_view{*header}.substr(prefix.size()), token))
    return &wrong;
  return nullptr;
}

} // namespace mink::http
