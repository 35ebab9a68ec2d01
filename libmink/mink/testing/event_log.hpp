#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <caf/expected.hpp>

#include "mink/event.hpp"
#include "mink/serialization/event_registry.hpp"

namespace mink::testing {

/// Makes the recorded events of a test: each event encoded by the
/// registry, at the next version of its stream and the next global
/// position, as a store would record it.
class event_log {
public:
  explicit event_log(std::shared_ptr<const event_registry> registry)
    : registry_(std::move(registry)) {
    // nop
  }

  /// `ev` as the next event of `stream_id`, committed at `timestamp_us`.
  template <class E>
  caf::expected<recorded_event> record(const std::string& stream_id,
                                       const E& ev, metadata meta = {},
                                       int64_t timestamp_us = 0) {
    auto data = registry_->encode(ev, std::move(meta));
    if (!data)
      return std::move(data.error());
    recorded_event rec;
    rec.stream_id = stream_id;
    rec.stream_version = ++versions_[stream_id];
    rec.global_position = ++position_;
    rec.type = std::move(data->type);
    rec.schema_version = data->schema_version;
    rec.data = std::move(data->data);
    rec.meta = std::move(data->meta);
    rec.timestamp_us = timestamp_us;
    return rec;
  }

  /// The position of the last event recorded.
  [[nodiscard]] int64_t position() const noexcept {
    return position_;
  }

private:
  std::shared_ptr<const event_registry> registry_;
  std::map<std::string, int64_t> versions_;
  int64_t position_ = 0;
};

} // namespace mink::testing
