#include "mink/json_check.hpp"

#include <cmath>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "mink/utf8.hpp"

namespace mink {

namespace {

/// Counts nesting and stops the parse when it gets too deep.
struct depth_handler
  : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, depth_handler>,
    detail::json_value_guard {
  size_t depth = 0;
  bool too_deep = false;
  /// False when no decoded string can be invalid UTF-8 (ASCII input
  /// without `\u` escapes: every other escape decodes to ASCII).
  bool check_strings = true;

  bool Default() { return true; }

  bool open() {
    if (++depth > max_json_depth) {
      too_deep = true;
      return false;
    }
    return true;
  }

  /// The parser validates the input's bytes, not what escapes decode to:
  /// an escaped lone low surrogate (`"\udc00"`) decodes to bytes that are
  /// not UTF-8, and PostgreSQL refuses it.
  bool String(const char* str, rapidjson::SizeType len, bool) {
    return valid({str, len});
  }
  bool Key(const char* str, rapidjson::SizeType len, bool) {
    return valid({str, len});
  }
  bool Double(double x) { return finite(x); }

  bool valid(std::string_view decoded) {
    return !check_strings || json_value_guard::valid(decoded);
  }

  bool StartObject() { return open(); }
  bool EndObject(rapidjson::SizeType) { --depth; return true; }
  bool StartArray() { return open(); }
  bool EndArray(rapidjson::SizeType) { --depth; return true; }
};

bool is_ascii(std::string_view x) noexcept {
  unsigned char any = 0;
  for (unsigned char c : x)
    any |= c;
  return (any & 0x80) == 0;
}

} // namespace

namespace detail {

bool json_value_guard::valid(std::string_view decoded) {
  if (is_valid_utf8(decoded))
    return true;
  refused = lone_surrogate_text;
  return false;
}

bool json_value_guard::finite(double x) {
  if (std::isfinite(x))
    return true;
  refused = number_range_text;
  return false;
}

} // namespace detail

std::string check_json(std::string_view json) {
  rapidjson::MemoryStream stream{json.data(), json.size()};
  rapidjson::Reader reader;
  depth_handler handler;
  constexpr unsigned flags = rapidjson::kParseIterativeFlag
                             | rapidjson::kParseStopWhenDoneFlag;
  // ASCII is valid UTF-8: most data skips RapidJSON's byte-by-byte check,
  // and without \u escapes its decoded strings are ASCII too.
  auto ascii = is_ascii(json);
  handler.check_strings
    = !ascii || json.find("\\u") != std::string_view::npos;
  auto result = ascii
                  ? reader.Parse<flags>(stream, handler)
                  : reader.Parse<flags | rapidjson::kParseValidateEncodingFlag>(
                      stream, handler);
  if (handler.too_deep)
    return "JSON nested deeper than " + std::to_string(max_json_depth);
  if (handler.refused != nullptr)
    return "malformed JSON at byte " + std::to_string(result.Offset()) + ": "
           + handler.refused;
  if (result.IsError())
    return std::string{"malformed JSON at byte "}
           + std::to_string(result.Offset()) + ": "
           + rapidjson::GetParseError_En(result.Code());
  // kParseStopWhenDoneFlag stops after one value; only whitespace may follow.
  for (auto i = stream.Tell(); i < json.size(); ++i) {
    char c = json[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      return "trailing characters after JSON value at byte "
             + std::to_string(i);
  }
  return {};
}

} // namespace mink
