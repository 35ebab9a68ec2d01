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

namespace detail {

/// What the SAX handlers of `check_json` and `parse_json` refuse beyond
/// RapidJSON's own checks; `refused` says why a handler stopped the parse
/// (nullptr: it did not).
struct json_value_guard {
  const char* refused = nullptr;

  /// The parser validates the input's bytes, not what escapes decode to:
  /// an escaped lone low surrogate (`"\udc00"`) decodes to bytes that are
  /// not UTF-8, which PostgreSQL refuses and no writer can write back.
  bool valid(std::string_view decoded);

  /// RapidJSON turns a number beyond a double's range (2e308) into
  /// infinity or NaN without an error; no writer can write that back.
  bool finite(double x);
};

} // namespace detail

} // namespace mink
