#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <rapidjson/document.h>

#include "mink/event.hpp"
#include "mink/metadata.hpp"
#include "mink/serialization/decoded_event.hpp"
#include "mink/serialization/upcaster.hpp"

namespace mink {

/// Maps C++ event types to stored type names and back, with a JSON encoder,
/// a JSON decoder and a chain of upcasters per type.
///
/// Each type has a current schema version. Events are always written at the
/// current version; events stored at an older version are raised to the
/// current one by upcasters (one step per version) before they are decoded.
///
/// Thread safety: register every type and upcaster at start-up, before the
/// registry is shared. Once registration is complete, the const members
/// (`encode`, `decode`, `upcast`, `contains`, `schema_version_of`) are safe
/// to call from many threads at once, provided the registered functions are.
/// `add` and `add_upcaster` must not run concurrently with anything else.
class event_registry {
public:
  /// Registers C++ type `T` under `name` at its current `schema_version`
  /// (>= 1). `encode` fills a document (it starts out null) from a `T`;
  /// `decode` builds a `T` from a document at the current schema version.
  /// Fails with `errc::invalid_argument` on an empty name, a name or a type
  /// that is already registered, a version below 1, or an empty function.
  template <class T>
  [[nodiscard]] caf::error
  add(std::string name, int32_t schema_version,
      std::function<void(const T&, rapidjson::Document&)> encode,
      std::function<caf::expected<T>(const rapidjson::Value&)> decode) {
    static_assert(std::is_copy_constructible_v<T>,
                  "event types must be copy constructible (std::any)");
    if (!encode || !decode)
      return empty_function_error(name);
    codec c;
    c.encode = [f = std::move(encode)](const void* x,
                                       rapidjson::Document& doc) {
      f(*static_cast<const T*>(x), doc);
    };
    c.decode = [f = std::move(decode)](const rapidjson::Value& data,
                                       std::any& out) -> caf::error {
      auto x = f(data);
      if (!x)
        return std::move(x.error());
      out = std::move(*x);
      return {};
    };
    return add_entry(std::move(name), schema_version, typeid(T), std::move(c));
  }

  /// Registers the upcast step of `name` from `from_version` to
  /// `from_version + 1`. Steps are registered from the newest down: the
  /// first step of a type goes from its current version - 1 to the current
  /// version, and each further step ends where the lowest one starts, so a
  /// registered chain never has a gap. Fails with `errc::invalid_argument`
  /// for an unknown type name, an empty function, a step that is already
  /// registered, or any other `from_version` (which would leave a gap).
  [[nodiscard]] caf::error add_upcaster(const std::string& name,
                                        int32_t from_version, upcast_fn fn);

  /// Registers a whole chain at once, in ascending order: `fns[0]` raises
  /// `from_version` to `from_version + 1`, and so on. The chain must end at
  /// the current version (or where already registered steps start); it is
  /// registered whole or not at all, with the errors of `add_upcaster`.
  [[nodiscard]] caf::error add_upcasters(const std::string& name,
                                         int32_t from_version,
                                         std::vector<upcast_fn> fns);

  /// Encodes `x` as an event at its type's current schema version. Fails
  /// with `errc::unknown_event_type` when `T` is not registered and with
  /// `errc::invalid_argument` when the encoder produced NaN or infinity.
  template <class T>
  caf::expected<event_data> encode(const T& x, metadata meta = {}) const {
    return encode_erased(typeid(T), &x, std::move(meta));
  }

  /// Upcasts `ev` to its type's current schema version, then decodes it.
  /// Fails with `errc::unknown_event_type` when the type name is not
  /// registered and with `errc::decode_failed` on malformed JSON, a decoder
  /// or upcaster error, a stored version newer than the registered one, or
  /// a missing upcast step. Messages name the type, the versions and where
  /// the event is stored.
  caf::expected<decoded_event> decode(const recorded_event& ev) const;

  /// Like the above, but moves the envelope instead of copying it.
  caf::expected<decoded_event> decode(recorded_event&& ev) const;

  /// Like `decode`, but gives only the C++ event and neither copies nor
  /// changes the envelope: an upcast lives only in the parsed document.
  /// What handlers by event type use, which keep the envelope beside.
  caf::expected<std::any> decode_value(const recorded_event& ev) const;

  /// Returns `ev` with `data` and `schema_version` raised to the current
  /// schema version of its type, without decoding it. Events of unregistered
  /// types and events at the current version are returned unchanged (raw
  /// readers must see every event). Fails with `errc::decode_failed` as
  /// `decode` does for a registered type.
  caf::expected<recorded_event> upcast(recorded_event ev) const;

  /// Returns whether a type is registered under `name`.
  bool contains(const std::string& name) const;

  /// Returns the current schema version of the type named `name`, or 0 when
  /// no type has that name.
  int32_t schema_version_of(const std::string& name) const;

  /// Returns the name under which `T` is registered, or an empty string.
  template <class T>
  std::string name_of() const {
    auto i = names_.find(typeid(T));
    return i != names_.end() ? i->second : std::string{};
  }

private:
  /// Type-erased encoder and decoder of one registered type.
  struct codec {
    /// Encodes the `T` that the pointer points to.
    std::function<void(const void*, rapidjson::Document&)> encode;
    /// Decodes a `T` into the `std::any`.
    std::function<caf::error(const rapidjson::Value&, std::any&)> decode;
  };

  struct entry {
    std::string name;
    int32_t version = 0;
    codec fns;
    /// Upcast steps by `from_version`; contiguous.
    std::map<int32_t, upcast_fn> steps;
  };

  static caf::error empty_function_error(const std::string& name);

  caf::error add_entry(std::string name, int32_t schema_version,
                       std::type_index type, codec fns);

  caf::expected<event_data> encode_erased(std::type_index type, const void* x,
                                          metadata meta) const;

  caf::expected<decoded_event> decode_impl(recorded_event ev) const;

  /// The entry of `ev.type`, or `errc::unknown_event_type`.
  caf::expected<const entry*> find_entry(const recorded_event& ev) const;

  /// Parses `ev.data` into `doc` and raises it to the current version.
  caf::error parse_upcasted(const entry& e, const recorded_event& ev,
                            rapidjson::Document& doc) const;

  /// Runs the decoder of `e` on `doc`; errors name `stored` (the type and
  /// stored version) and where `ev` is stored.
  caf::error run_decoder(const entry& e, const std::string& stored,
                         const recorded_event& ev,
                         const rapidjson::Document& doc, std::any& out) const;

  /// Checks that `ev` can be raised to the current version of `e`.
  caf::error check_upcast_path(const entry& e, const recorded_event& ev) const;

  /// Applies the steps from `ev.schema_version` to the current version.
  caf::error apply_steps(const entry& e, const recorded_event& ev,
                         rapidjson::Document& doc) const;

  /// Parses `ev.data` into `doc`; when `ev` is older than `e`, upcasts `doc`
  /// and rewrites `ev.data` and `ev.schema_version` to match.
  caf::error parse_and_upcast(const entry& e, recorded_event& ev,
                              rapidjson::Document& doc) const;

  std::unordered_map<std::string, entry> entries_;
  std::unordered_map<std::type_index, std::string> names_;
};

} // namespace mink
