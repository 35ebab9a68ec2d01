#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mink {

/// The deepest nesting of arrays and objects that mink stores. PostgreSQL's
/// recursive JSON parser and RapidJSON's DOM both fail on much deeper input.
constexpr size_t max_json_depth = 256;

/// Checks that `json` is one well-formed JSON value in valid UTF-8, nested no
/// deeper than `max_json_depth`. Returns an empty string when it is, or what
/// is wrong (with the byte offset) otherwise. Parses without building a DOM.
[[nodiscard]] std::string check_json(std::string_view json);

} // namespace mink
