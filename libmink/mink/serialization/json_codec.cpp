#include "mink/serialization/json_codec.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <system_error>

#include <locale.h>
#include <stdlib.h>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "mink/errc.hpp"
#include "mink/json_check.hpp"

namespace mink {

namespace {

/// Forwards SAX events to a document and stops the parse when it nests too
/// deep: the DOM, its writer and most decoders recurse over nesting.
struct depth_limited_handler : detail::json_value_guard {
  explicit depth_limited_handler(rapidjson::Document& d) : doc(d) {}

  rapidjson::Document& doc;
  size_t depth = 0;
  bool too_deep = false;

  bool open() {
    if (++depth > max_json_depth) {
      too_deep = true;
      return false;
    }
    return true;
  }

  bool Null() { return doc.Null(); }
  bool Bool(bool x) { return doc.Bool(x); }
  bool Int(int x) { return doc.Int(x); }
  bool Uint(unsigned x) { return doc.Uint(x); }
  bool Int64(int64_t x) { return doc.Int64(x); }
  bool Uint64(uint64_t x) { return doc.Uint64(x); }
  bool Double(double x) { return finite(x) && doc.Double(x); }
  /// Numbers arrive as text (kParseNumbersAsStringsFlag) and are converted
  /// here: RapidJSON 1.1.0's full-precision conversion gets some numbers
  /// wrong (it reads `0E77` as 1.26e263 and `0.000e308` as -2.9e-70, from
  /// __builtin_clzll(0) in DiyFp::Normalize); glibc's conversions are exact.
  /// Integers become what RapidJSON makes of them: int64 or uint64 when
  /// they fit, a double otherwise.
  bool RawNumber(const char* str, rapidjson::SizeType len, bool) {
    auto end = str + len;
    if (std::find_if(str, end, [](char c) { return c == '.' || c == 'e'
                                                   || c == 'E'; })
        == end) {
      if (*str == '-') {
        int64_t i = 0;
        if (std::from_chars(str, end, i).ec == std::errc{})
          return doc.Int64(i);
      } else {
        uint64_t u = 0;
        if (std::from_chars(str, end, u).ec == std::errc{})
          return doc.Uint64(u);
      }
    }
    // strtod in the C locale: correctly rounded, and (unlike from_chars)
    // it gives 0 or a subnormal for a number too small for a double.
    static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", nullptr);
    std::string text{str, len};
    char* text_end = nullptr;
    auto x = strtod_l(text.c_str(), &text_end, c_locale);
    if (text_end != text.c_str() + text.size()) {
      refused = number_range_text;
      return false;
    }
    return finite(x) && doc.Double(x);
  }
  bool String(const char* str, rapidjson::SizeType len, bool copy) {
    return valid({str, len}) && doc.String(str, len, copy);
  }
  bool Key(const char* str, rapidjson::SizeType len, bool copy) {
    return valid({str, len}) && doc.Key(str, len, copy);
  }

  bool StartObject() { return open() && doc.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    --depth;
    return doc.EndObject(n);
  }
  bool StartArray() { return open() && doc.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth;
    return doc.EndArray(n);
  }
};

} // namespace

caf::error parse_json(std::string_view json, rapidjson::Document& doc) {
  constexpr unsigned flags = rapidjson::kParseIterativeFlag
                             | rapidjson::kParseValidateEncodingFlag
                             | rapidjson::kParseNumbersAsStringsFlag;
  rapidjson::MemoryStream stream{json.data(), json.size()};
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  bool too_deep = false;
  const char* refused = nullptr;
  auto generator = [&](rapidjson::Document& d) {
    depth_limited_handler handler{d};
    result = reader.Parse<flags>(stream, handler);
    too_deep = handler.too_deep;
    refused = handler.refused;
    return !result.IsError();
  };
  doc.SetNull();
  doc.Populate(generator);
  if (too_deep)
    return make_error(errc::decode_failed,
                      "JSON nested deeper than "
                        + std::to_string(max_json_depth));
  if (refused != nullptr)
    return make_error(errc::decode_failed,
                      "malformed JSON at byte " + std::to_string(result.Offset())
                        + ": " + refused);
  if (result.IsError())
    return make_error(errc::decode_failed,
                      "malformed JSON at byte " + std::to_string(result.Offset())
                        + ": " + rapidjson::GetParseError_En(result.Code()));
  return {};
}

caf::expected<std::string> write_json(const rapidjson::Value& x) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buf};
  if (!x.Accept(writer))
    return make_error(errc::invalid_argument,
                      "value cannot be written as JSON (NaN or infinity)");
  return std::string{buf.GetString(), buf.GetSize()};
}

} // namespace mink
