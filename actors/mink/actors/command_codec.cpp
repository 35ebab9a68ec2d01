#include "mink/actors/command_codec.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace mink::detail {

caf::expected<std::string> write_json(const rapidjson::Document& doc) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  if (!doc.Accept(w))
    return make_error(errc::invalid_argument,
                      "the command holds a value JSON cannot carry (NaN or "
                      "infinity): it cannot be forwarded");
  return std::string{buf.GetString(), buf.GetSize()};
}

caf::error read_json(const std::string& json, const std::string& what,
                     rapidjson::Document& doc) {
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError())
    return make_error(errc::decode_failed,
                      "command " + what + ": not JSON ("
                        + rapidjson::GetParseError_En(doc.GetParseError())
                        + ")");
  return {};
}

caf::error not_a_command_payload() {
  return make_error(errc::invalid_argument,
                    "the command's payload is not its aggregate's command "
                    "type: it cannot be forwarded");
}

void add_appended(rapidjson::Document& out, const char* type,
                  rapidjson::Document& data) {
  auto& alloc = out.GetAllocator();
  rapidjson::Value ev{rapidjson::kObjectType};
  ev.AddMember("type", rapidjson::Value{type, alloc}, alloc);
  ev.AddMember("data", rapidjson::Value{data, alloc}, alloc);
  out.PushBack(ev, alloc);
}

caf::error unknown_appended(const std::string& type) {
  return make_error(errc::decode_failed,
                    "an appended event of type " + type
                      + " that the aggregate does not have");
}

} // namespace mink::detail
