#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/event.hpp"
#include "mink/metadata.hpp"
#include "mink/serialization/decoded_event.hpp"
#include "mink/serialization/event_registry.hpp"

namespace mink {

namespace detail {

/// Wraps the error of encoding decided event `index` of `count`.
caf::error decided_event_error(size_t index, size_t count,
                               const caf::error& err);

/// The error for `ev` when the aggregate expected stream version `expected`.
caf::error version_gap_error(const recorded_event& ev, int64_t expected);

/// The error for `ev`, a registered type that is not one of the aggregate's.
caf::error foreign_event_error(const recorded_event& ev);

/// Moves the value of `x` into `out` if it is a `T`.
template <class T, class Variant>
bool take_alternative(std::any& x, std::optional<Variant>& out) {
  auto* ptr = std::any_cast<T>(&x);
  if (ptr == nullptr)
    return false;
  out.emplace(std::in_place_type<T>, std::move(*ptr));
  return true;
}

template <class Variant>
struct variant_from_any;

template <class... Ts>
struct variant_from_any<std::variant<Ts...>> {
  /// Moves the value of `x` into a variant if it is one of `Ts`.
  static std::optional<std::variant<Ts...>> convert(std::any& x) {
    std::optional<std::variant<Ts...>> out;
    (take_alternative<Ts>(x, out) || ...);
    return out;
  }
};

} // namespace detail

/// Encodes `ev` under the registered name of the alternative it holds.
/// Fails with `errc::unknown_event_type` when that type is not registered.
template <class... Ts>
[[nodiscard]] caf::expected<event_data>
encode_event(const event_registry& reg, const std::variant<Ts...>& ev,
             metadata meta = {}) {
  return std::visit(
    [&](const auto& x) { return reg.encode(x, std::move(meta)); }, ev);
}

/// Encodes events that an aggregate decided, each with a copy of `meta`,
/// ready for `event_store::append`. Each alternative of the event variant
/// is registered as its own type. Fails with the first encoding error
/// (`errc::unknown_event_type` or `errc::invalid_argument`), naming the
/// event's index.
template <class... Ts>
[[nodiscard]] caf::expected<std::vector<event_data>>
to_event_data(const event_registry& reg,
              const std::vector<std::variant<Ts...>>& evs,
              const metadata& meta = {}) {
  std::vector<event_data> result;
  result.reserve(evs.size());
  for (size_t i = 0; i < evs.size(); ++i) {
    auto x = encode_event(reg, evs[i], meta);
    if (!x)
      return detail::decided_event_error(i, evs.size(), x.error());
    result.push_back(std::move(*x));
  }
  return result;
}

/// Decodes a stored event (upcasting it first) into the event variant
/// `Event`. Fails as `event_registry::decode` does, and with
/// `errc::decode_failed` naming the type when the decoded type is not one
/// of `Event`'s alternatives.
template <class Event>
[[nodiscard]] caf::expected<Event> decode_event(const event_registry& reg,
                                                recorded_event ev) {
  auto decoded = reg.decode(std::move(ev));
  if (!decoded)
    return std::move(decoded.error());
  auto result = detail::variant_from_any<Event>::convert(decoded->value);
  if (!result)
    return detail::foreign_event_error(decoded->envelope);
  return std::move(*result);
}

/// Rebuilds `agg` from events of its stream, in stream order, continuing
/// at `agg.version() + 1` (0 for a new aggregate, or a snapshot's version
/// after `restore`). Each event is upcast and decoded by `reg`, must be one
/// of the aggregate's event types and must have the next stream version;
/// then it is applied.
///
/// Fails with `errc::decode_failed` for an event of another type, for a
/// version that does not follow (a gap, a repeat, or events out of order),
/// and for undecodable data; with `errc::unknown_event_type` for a type
/// that is not registered. On failure `agg` holds the events before the
/// failing one and should be discarded.
template <class Aggregate>
[[nodiscard]] caf::error replay(Aggregate& agg, const event_registry& reg,
                                const std::vector<recorded_event>& evs) {
  using event_type = typename Aggregate::event_type;
  for (const auto& ev : evs) {
    if (ev.stream_version != agg.version() + 1)
      return detail::version_gap_error(ev, agg.version() + 1);
    auto x = decode_event<event_type>(reg, ev);
    if (!x)
      return std::move(x.error());
    agg.apply(*x);
  }
  return {};
}

/// Like the above, but moves each event into the decoder instead of
/// copying it.
template <class Aggregate>
[[nodiscard]] caf::error replay(Aggregate& agg, const event_registry& reg,
                                std::vector<recorded_event>&& evs) {
  using event_type = typename Aggregate::event_type;
  for (auto& ev : evs) {
    if (ev.stream_version != agg.version() + 1)
      return detail::version_gap_error(ev, agg.version() + 1);
    auto x = decode_event<event_type>(reg, std::move(ev));
    if (!x)
      return std::move(x.error());
    agg.apply(*x);
  }
  return {};
}

} // namespace mink
