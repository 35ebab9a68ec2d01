#include "mink/metadata.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "mink/errc.hpp"
#include "mink/serialization/json_codec.hpp"

namespace mink {

namespace {

constexpr const char* correlation_key = "correlation_id";
constexpr const char* causation_key = "causation_id";
constexpr const char* user_key = "user_id";
constexpr const char* tenant_key = "tenant_id";
constexpr const char* custom_key = "custom";

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_field(json_writer& w, const char* key, const std::string& value) {
  if (value.empty())
    return;
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

} // namespace

std::string to_json(const metadata& x) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  write_field(w, correlation_key, x.correlation_id);
  write_field(w, causation_key, x.causation_id);
  write_field(w, user_key, x.user_id);
  write_field(w, tenant_key, x.tenant_id);
  if (!x.custom.empty()) {
    w.Key(custom_key);
    w.StartObject();
    for (const auto& [key, value] : x.custom) {
      w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
      w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    }
    w.EndObject();
  }
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

caf::expected<metadata> metadata_from_json(const std::string& json) {
  rapidjson::Document doc;
  // parse_json, not RapidJSON's Parse: metadata rows may come from another
  // writer, and Parse lets an escaped lone surrogate ("\udd08") through as
  // bytes that are not UTF-8 (found by tests/fuzz/event_codec_fuzzer).
  if (parse_json(json, doc) || !doc.IsObject())
    return make_error(errc::decode_failed, "metadata is not a JSON object");
  metadata result;
  auto read = [&](const char* key, std::string& out) -> bool {
    auto i = doc.FindMember(key);
    if (i == doc.MemberEnd())
      return true;
    if (!i->value.IsString())
      return false;
    out.assign(i->value.GetString(), i->value.GetStringLength());
    return true;
  };
  if (!read(correlation_key, result.correlation_id)
      || !read(causation_key, result.causation_id)
      || !read(user_key, result.user_id) || !read(tenant_key, result.tenant_id))
    return make_error(errc::decode_failed, "metadata field is not a string");
  if (auto i = doc.FindMember(custom_key); i != doc.MemberEnd()) {
    if (!i->value.IsObject())
      return make_error(errc::decode_failed, "metadata.custom is not an object");
    for (const auto& member : i->value.GetObject()) {
      if (!member.value.IsString())
        return make_error(errc::decode_failed,
                          "metadata.custom value is not a string");
      result.custom.emplace(
        std::string{member.name.GetString(), member.name.GetStringLength()},
        std::string{member.value.GetString(), member.value.GetStringLength()});
    }
  }
  return result;
}

} // namespace mink
