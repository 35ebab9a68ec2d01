#include "mink/serialization/event_reader.hpp"

namespace mink {

event_reader::event_reader(event_store& store, const event_registry& registry)
  : store_(store), registry_(registry) {
  // nop
}

caf::expected<std::vector<decoded_event>>
event_reader::read_stream(const std::string& stream_id, int64_t from_version,
                          size_t limit, read_direction dir) {
  return decode_all(store_.read_stream(stream_id, from_version, limit, dir));
}

caf::expected<std::vector<decoded_event>>
event_reader::read_all(int64_t from_position, size_t limit,
                       const read_filter& filter) {
  return decode_all(store_.read_all(from_position, limit, filter));
}

caf::expected<std::vector<recorded_event>>
event_reader::read_stream_raw(const std::string& stream_id,
                              int64_t from_version, size_t limit,
                              read_direction dir) {
  return upcast_all(store_.read_stream(stream_id, from_version, limit, dir));
}

caf::expected<std::vector<recorded_event>>
event_reader::read_all_raw(int64_t from_position, size_t limit,
                           const read_filter& filter) {
  return upcast_all(store_.read_all(from_position, limit, filter));
}

caf::expected<std::vector<decoded_event>> event_reader::decode_all(
  caf::expected<std::vector<recorded_event>> events) const {
  if (!events)
    return std::move(events.error());
  std::vector<decoded_event> result;
  result.reserve(events->size());
  for (auto& ev : *events) {
    auto x = registry_.decode(std::move(ev));
    if (!x)
      return std::move(x.error());
    result.emplace_back(std::move(*x));
  }
  return result;
}

caf::expected<std::vector<recorded_event>> event_reader::upcast_all(
  caf::expected<std::vector<recorded_event>> events) const {
  if (!events)
    return events;
  for (auto& ev : *events) {
    auto x = registry_.upcast(std::move(ev));
    if (!x)
      return std::move(x.error());
    ev = std::move(*x);
  }
  return events;
}

} // namespace mink
