#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "mink/event.hpp"
#include "mink/serialization/decoded_event.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/store/event_store.hpp"

namespace mink {

/// Reads through an event store and decodes with a registry. Events of
/// unknown types fail a decoding read with `errc::unknown_event_type`; the
/// `*_raw` members return every event instead, upcast where its type is
/// registered and unchanged otherwise. Store errors pass through unchanged;
/// the first event that fails to decode fails the whole read.
///
/// The reader holds references: the store and the registry must outlive it.
/// It is as thread-safe as the store, given a registry whose registration
/// is complete.
class event_reader {
public:
  event_reader(event_store& store, const event_registry& registry);

  /// Reads and decodes events of one stream; see `event_store::read_stream`.
  [[nodiscard]] caf::expected<std::vector<decoded_event>>
  read_stream(const std::string& stream_id, int64_t from_version,
              size_t limit, read_direction dir = read_direction::forward);

  /// Reads and decodes events in global order; see `event_store::read_all`.
  [[nodiscard]] caf::expected<std::vector<decoded_event>>
  read_all(int64_t from_position, size_t limit,
           const read_filter& filter = {});

  /// Reads events of one stream, upcast where their type is registered.
  [[nodiscard]] caf::expected<std::vector<recorded_event>>
  read_stream_raw(const std::string& stream_id, int64_t from_version,
                  size_t limit, read_direction dir = read_direction::forward);

  /// Reads events in global order, upcast where their type is registered.
  [[nodiscard]] caf::expected<std::vector<recorded_event>>
  read_all_raw(int64_t from_position, size_t limit,
               const read_filter& filter = {});

private:
  caf::expected<std::vector<decoded_event>>
  decode_all(caf::expected<std::vector<recorded_event>> events) const;

  caf::expected<std::vector<recorded_event>>
  upcast_all(caf::expected<std::vector<recorded_event>> events) const;

  event_store& store_;
  const event_registry& registry_;
};

} // namespace mink
