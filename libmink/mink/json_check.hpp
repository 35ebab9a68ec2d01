#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mink {

/// The deepest nesting of arrays and objects that mink stores. PostgreSQL's
/// recursive JSON parser and RapidJSON's DOM both fail on much deeper input.
constexpr size_t max_json_depth = 256;

/// What `check_json` and `parse_json` say about `"\udc00"`.
constexpr const char* lone_surrogate_text =
  "string escapes a lone UTF-16 surrogate (\\uDC00-\\uDFFF without a "
  "high surrogate before it)";

/// What `check_json` and `parse_json` say about `2e308`.
constexpr const char* number_range_text =
  "number outside the range of a double (about 1.8e308)";

/// Checks that `json` is one well-formed JSON value in valid UTF-8, nested no
/// deeper than `max_json_depth`, whose strings decode to valid UTF-8 (no
/// escaped lone surrogate) and whose numbers fit a double (RapidJSON makes
/// 2e308 infinity, which no writer can write back). Returns an empty string when it is, or what
/// is wrong (with the byte offset) otherwise. Parses without building a DOM.
[[nodiscard]] std::string check_json(std::string_view json);

} // namespace mink
