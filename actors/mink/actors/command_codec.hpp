#pragma once

#include <any>
#include <functional>
#include <string>
#include <variant>

#include <caf/expected.hpp>
#include <rapidjson/document.h>

#include "mink/command/declared_commands.hpp"
#include "mink/errc.hpp"
#include "mink/serialization/declared_json.hpp"

namespace mink {

/// How the commands of one aggregate type cross a process boundary: the
/// payload of an envelope as JSON, by the codecs `MINK_COMMAND` declares.
/// Empty members: the commands cannot leave their process.
struct command_codec {
  /// The payload (the aggregate's command variant) as a JSON object.
  std::function<caf::expected<std::string>(const std::any& payload)> encode;
  /// The payload of the command named `name` from JSON.
  std::function<caf::expected<std::any>(const std::string& name,
                                        const std::string& json)>
    decode;

  [[nodiscard]] bool usable() const noexcept {
    return encode && decode;
  }
};

namespace detail {

/// `doc` as compact JSON.
std::string write_json(const rapidjson::Document& doc);

/// Parses `json` into `doc`; `decode_failed` naming `what` when it is not
/// JSON.
caf::error read_json(const std::string& json, const std::string& what,
                     rapidjson::Document& doc);

/// The error for a payload that is not the aggregate's command type.
caf::error not_a_command_payload();

} // namespace detail

/// The codec of command variant `Variant`, whose alternatives are declared
/// with `MINK_COMMAND`.
template <class Variant>
command_codec make_command_codec() {
  command_codec c;
  c.encode = [](const std::any& payload) -> caf::expected<std::string> {
    auto* v = std::any_cast<Variant>(&payload);
    if (v == nullptr)
      return detail::not_a_command_payload();
    rapidjson::Document doc;
    doc.SetObject();
    std::visit([&](const auto& x) { encode_declared(x, doc); }, *v);
    return detail::write_json(doc);
  };
  c.decode = [](const std::string& name,
                const std::string& json) -> caf::expected<std::any> {
    rapidjson::Document doc;
    if (auto err = detail::read_json(json, name, doc))
      return err;
    auto v = decode_command<Variant>(name, doc);
    if (!v)
      return std::move(v.error());
    return std::any{std::move(*v)};
  };
  return c;
}

} // namespace mink
