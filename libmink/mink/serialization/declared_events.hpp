#pragma once

#include <variant>

#include <caf/error.hpp>
#include <rapidjson/document.h>

#include "mink/serialization/declared_json.hpp"
#include "mink/serialization/describe.hpp"
#include "mink/serialization/event_registry.hpp"

namespace mink {

namespace detail {

template <class T>
struct event_types {
  static caf::error add(event_registry& reg) {
    static_assert(is_named_v<T>,
                  "declare the event with MINK_EVENT(type, \"Name\", fields)");
    return reg.add<T>(
      type_name_of<T>(), schema_version_of<T>(),
      [](const T& x, rapidjson::Document& doc) { encode_declared(x, doc); },
      [](const rapidjson::Value& v) {
        return decode_declared<T>(v, type_name_of<T>());
      });
  }
};

template <class... Ts>
struct event_types<std::variant<Ts...>> {
  static caf::error add(event_registry& reg) {
    caf::error err;
    ((err = event_types<Ts>::add(reg)) || ...);
    return err;
  }
};

} // namespace detail

/// Registers declared event types (`MINK_EVENT`) with their derived JSON
/// codec, under their declared name and schema version. Each of `Ts` is an
/// event type or a `std::variant` of them (a decider's `event_type`), e.g.
/// `register_events<account_event, transfer_event>(reg)`. Stops at the
/// first error (see `event_registry::add`). Upcasters are registered after,
/// as for any type.
template <class... Ts>
[[nodiscard]] caf::error register_events(event_registry& reg) {
  caf::error err;
  ((err = detail::event_types<Ts>::add(reg)) || ...);
  return err;
}

} // namespace mink
