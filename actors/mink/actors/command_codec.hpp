#pragma once

#include <any>
#include <functional>
#include <string>
#include <variant>

#include <caf/expected.hpp>
#include <rapidjson/document.h>

#include "mink/command/append_command.hpp"
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

/// `doc` as compact JSON; `invalid_argument` for what JSON cannot hold
/// (a NaN, say).
caf::expected<std::string> write_json(const rapidjson::Document& doc);

/// Parses `json` into `doc`; `decode_failed` naming `what` when it is not
/// JSON.
caf::error read_json(const std::string& json, const std::string& what,
                     rapidjson::Document& doc);

/// The error for a payload that is not the aggregate's command type.
caf::error not_a_command_payload();

/// Whether every alternative of variant `V` is declared (`MINK_EVENT`).
template <class V>
struct all_declared : std::false_type {};

template <class... Ts>
struct all_declared<std::variant<Ts...>>
  : std::bool_constant<((is_named_v<Ts> && is_described_v<Ts>) && ...)> {};

/// An event of an append command, `{"type": ..., "data": {...}}`, added to
/// array `out`.
void add_appended(rapidjson::Document& out, const char* type,
                  rapidjson::Document& data);

/// The error for an appended event whose type the aggregate does not have.
caf::error unknown_appended(const std::string& type);

/// Decodes the alternative of `Event` named `type` from `data`.
template <class Event, size_t I = 0>
caf::expected<Event> decode_appended(const std::string& type,
                                     const rapidjson::Value& data) {
  if constexpr (I == std::variant_size_v<Event>) {
    return unknown_appended(type);
  } else {
    using T = std::variant_alternative_t<I, Event>;
    if (type != type_name_of<T>())
      return decode_appended<Event, I + 1>(type, data);
    auto x = decode_declared<T>(data, type_name_of<T>());
    if (!x)
      return std::move(x.error());
    return Event{std::move(*x)};
  }
}

/// An append command's events as JSON.
template <class Event>
caf::expected<std::string> encode_appends(const append_events<Event>& a) {
  rapidjson::Document out;
  out.SetArray();
  for (auto& ev : a.events)
    std::visit(
      [&](const auto& x) {
        rapidjson::Document data;
        data.SetObject();
        encode_declared(x, data);
        add_appended(out, type_name_of<std::decay_t<decltype(x)>>(), data);
      },
      ev);
  return write_json(out);
}

/// An append command's events from JSON.
template <class Event>
caf::expected<std::any> decode_appends(const std::string& name,
                                       const std::string& json) {
  rapidjson::Document doc;
  if (auto err = read_json(json, name, doc))
    return err;
  if (!doc.IsArray())
    return make_error(errc::decode_failed,
                      "command " + name + ": not an array of events");
  append_events<Event> out;
  for (auto& x : doc.GetArray()) {
    if (!x.IsObject() || !x.HasMember("type") || !x["type"].IsString()
        || !x.HasMember("data"))
      return make_error(errc::decode_failed,
                        "command " + name + ": an event without type or data");
    auto ev = decode_appended<Event>(x["type"].GetString(), x["data"]);
    if (!ev)
      return std::move(ev.error());
    out.events.push_back(std::move(*ev));
  }
  return std::any{std::move(out)};
}

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

/// The codec of everything `runtime::add_aggregate<Decider>()` routes to
/// `Decider`'s aggregates: its declared commands and, when it names its
/// category and event type, its append command (the events as
/// `[{"type", "data"}]`, by their declared codecs; when every event type is
/// declared with `MINK_EVENT`, else append commands are not forwarded).
template <class Decider>
command_codec make_aggregate_codec() {
  auto commands = make_command_codec<typename Decider::command_type>();
  if constexpr (!detail::has_category_and_events<Decider>::value) {
    return commands;
  } else if constexpr (!detail::all_declared<typename Decider::event_type>::value) {
    // Events registered by hand: their append commands stay in process.
    return commands;
  } else {
    using event = typename Decider::event_type;
    auto append_name = append_command_name(Decider::category);
    command_codec c;
    c.encode = [commands](const std::any& payload) {
      if (auto* a = std::any_cast<append_events<event>>(&payload))
        return detail::encode_appends(*a);
      return commands.encode(payload);
    };
    c.decode = [commands, append_name](const std::string& name,
                                       const std::string& json) {
      if (name == append_name)
        return detail::decode_appends<event>(name, json);
      return commands.decode(name, json);
    };
    return c;
  }
}

} // namespace mink
