#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include <caf/expected.hpp>
#include <rapidjson/document.h>

#include "mink/serialization/declared_json.hpp"
#include "mink/serialization/describe.hpp"

namespace mink {

namespace detail {

template <class D, class = void>
struct has_state_name : std::false_type {};

template <class D>
struct has_state_name<D, std::void_t<decltype(D::state_type_name)>>
  : std::true_type {};

template <class D, class = void>
struct has_state_version : std::false_type {};

template <class D>
struct has_state_version<D, std::void_t<decltype(D::state_schema_version)>>
  : std::true_type {};

template <class D, class = void>
struct has_hand_state_codec : std::false_type {};

template <class D>
struct has_hand_state_codec<
  D, std::void_t<decltype(D::encode_state(
                   std::declval<const typename D::state_type&>(),
                   std::declval<rapidjson::Document&>())),
                 decltype(D::decode_state(
                   std::declval<const rapidjson::Value&>()))>>
  : std::true_type {};

} // namespace detail

/// The snapshot codec of a decider's state. A decider has one when it
/// names its state (`static constexpr const char* state_type_name`) and
/// either declares the state type (`MINK_FIELDS`) or writes
/// `encode_state(const state_type&, rapidjson::Document&)` and
/// `decode_state(const rapidjson::Value&) -> caf::expected<state_type>`
/// itself (those win). `state_schema_version` defaults to 1; raise it when
/// the stored form changes: snapshots of another version are ignored and
/// the aggregate is read from its events.
template <class Decider>
struct state_codec {
  using state_type = typename Decider::state_type;

  static constexpr bool hand_written
    = detail::has_hand_state_codec<Decider>::value;

  static constexpr bool available
    = detail::has_state_name<Decider>::value
      && (hand_written || is_described_v<state_type>);

  static const char* type_name() {
    return Decider::state_type_name;
  }

  static int32_t schema_version() {
    if constexpr (detail::has_state_version<Decider>::value)
      return Decider::state_schema_version;
    else
      return 1;
  }

  static void encode(const state_type& st, rapidjson::Document& doc) {
    if constexpr (hand_written)
      Decider::encode_state(st, doc);
    else
      encode_declared(st, doc);
  }

  static caf::expected<state_type> decode(const rapidjson::Value& v) {
    if constexpr (hand_written)
      return Decider::decode_state(v);
    else
      return decode_declared<state_type>(v, Decider::state_type_name);
  }
};

} // namespace mink
