#include "mink/serialization/json_codec.hpp"

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
struct depth_limited_handler {
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
  bool Double(double x) { return doc.Double(x); }
  bool RawNumber(const char* str, rapidjson::SizeType len, bool copy) {
    return doc.RawNumber(str, len, copy);
  }
  bool String(const char* str, rapidjson::SizeType len, bool copy) {
    return doc.String(str, len, copy);
  }
  bool Key(const char* str, rapidjson::SizeType len, bool copy) {
    return doc.Key(str, len, copy);
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
                             | rapidjson::kParseFullPrecisionFlag;
  rapidjson::MemoryStream stream{json.data(), json.size()};
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  bool too_deep = false;
  auto generator = [&](rapidjson::Document& d) {
    depth_limited_handler handler{d};
    result = reader.Parse<flags>(stream, handler);
    too_deep = handler.too_deep;
    return !result.IsError();
  };
  doc.SetNull();
  doc.Populate(generator);
  if (too_deep)
    return make_error(errc::decode_failed,
                      "JSON nested deeper than "
                        + std::to_string(max_json_depth));
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
