#pragma once

// Commands declared with `MINK_COMMAND` carry their names: envelopes,
// routes and request bodies need no table written beside the variant.

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <rapidjson/document.h>

#include "mink/command/append_command.hpp"
#include "mink/command/command.hpp"
#include "mink/serialization/declared_json.hpp"
#include "mink/serialization/describe.hpp"

namespace mink {

namespace detail {

template <class Variant>
struct command_table;

template <class... Ts>
struct command_table<std::variant<Ts...>> {
  static_assert((is_named_v<Ts> && ...),
                "declare each command with MINK_COMMAND(type, fields)");
  static constexpr const char* names[] = {type_name_of<Ts>()...};

  static caf::expected<std::variant<Ts...>>
  decode(std::string_view name, const rapidjson::Value& body);
};

/// The error for a command name that `names` does not hold.
caf::error unknown_command(std::string_view name, const char* const* names,
                           size_t n);

template <class Variant, class T>
bool decode_if(std::string_view name, const rapidjson::Value& body,
               caf::expected<Variant>& out) {
  if (name != type_name_of<T>())
    return false;
  auto x = decode_declared<T>(body, type_name_of<T>());
  if (x)
    out = Variant{std::move(*x)};
  else
    out = std::move(x.error());
  return true;
}

template <class... Ts>
caf::expected<std::variant<Ts...>>
command_table<std::variant<Ts...>>::decode(std::string_view name,
                                           const rapidjson::Value& body) {
  caf::expected<std::variant<Ts...>> out{caf::error{}};
  if (!(decode_if<std::variant<Ts...>, Ts>(name, body, out) || ...))
    return unknown_command(name, names, sizeof...(Ts));
  return out;
}

} // namespace detail

/// The name of the command that `cmd` holds, e.g. `deposit`.
template <class... Ts>
const char* command_name(const std::variant<Ts...>& cmd) {
  return detail::command_table<std::variant<Ts...>>::names[cmd.index()];
}

/// Every command name of command variant `Variant`.
template <class Variant>
std::vector<std::string> command_names() {
  const auto& xs = detail::command_table<Variant>::names;
  return {std::begin(xs), std::end(xs)};
}

namespace detail {

template <class Decider, class = void>
struct has_category_and_events : std::false_type {};

template <class Decider>
struct has_category_and_events<Decider,
                               std::void_t<decltype(Decider::category),
                                           typename Decider::event_type>>
  : std::true_type {};

} // namespace detail

/// What `route<Decider>` and `runtime::add_aggregate<Decider>()` route to
/// `Decider`'s aggregates: every command of its command variant, and, when
/// it names its category and event type, its append command
/// (`append_command_name(Decider::category)`).
template <class Decider>
std::vector<std::string> routed_command_names() {
  auto names = command_names<typename Decider::command_type>();
  if constexpr (detail::has_category_and_events<Decider>::value)
    names.push_back(append_command_name(Decider::category));
  return names;
}

/// An envelope for the aggregate `id` of `Decider`, whose
/// `static constexpr const char* category` names its stream category.
template <class Decider>
command_envelope make_command(std::string id,
                              typename Decider::command_type cmd,
                              std::string command_id, metadata meta = {}) {
  command_envelope env;
  env.type = command_name(cmd);
  env.aggregate_type = Decider::category;
  env.aggregate_id = std::move(id);
  env.command_id = std::move(command_id);
  env.meta = std::move(meta);
  env.payload = std::move(cmd);
  return env;
}

/// Decodes the command named `name` from JSON `body` into command variant
/// `Variant`. Fails with `errc::invalid_argument` for an unknown name
/// (listing the known ones) and with `errc::decode_failed` naming the
/// command and the field for a body that does not fit.
template <class Variant>
caf::expected<Variant> decode_command(std::string_view name,
                                      const rapidjson::Value& body) {
  return detail::command_table<Variant>::decode(name, body);
}

} // namespace mink
