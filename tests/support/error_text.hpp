#pragma once

// Error text for test messages. Boost builds the message of a check that
// passes too, so these return "" for a value instead of touching an error
// that is not there.

#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <rapidjson/document.h>

#include "mink/errc.hpp"

namespace mink::test_support {

/// The name of the `errc` code of `err`.
inline std::string code(const caf::error& err) {
  return to_string(code_of(err));
}

/// The error text of `x`, or "" when it holds a value.
template <class T>
std::string why(const caf::expected<T>& x) {
  return x ? std::string{} : to_text(x.error());
}

/// `x` as a RapidJSON string value (copied into `alloc`).
inline rapidjson::Value json_string(const std::string& x,
                                    rapidjson::Document::AllocatorType& alloc) {
  return rapidjson::Value{x.data(), static_cast<rapidjson::SizeType>(x.size()),
                          alloc};
}

} // namespace mink::test_support
