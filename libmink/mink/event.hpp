#pragma once

#include <cstdint>
#include <string>

#include "mink/metadata.hpp"

namespace mink {

/// An event on its way into the store.
struct event_data {
  /// A UUID; the store generates one when left empty.
  std::string event_id;
  /// The registered type name, e.g. `AccountOpened`.
  std::string type;
  /// The schema version of `data`; upcasters raise old versions on read.
  int32_t schema_version = 1;
  /// The event's JSON encoding.
  std::string data;
  metadata meta;
};

/// An event as the store holds it: the envelope.
struct recorded_event {
  std::string event_id;
  std::string stream_id;
  /// 1-based, dense per stream.
  int64_t stream_version = 0;
  /// 1-based, dense across the store, in commit order.
  int64_t global_position = 0;
  std::string type;
  int32_t schema_version = 1;
  std::string data;
  metadata meta;
  /// When the store committed the event, in microseconds since the epoch.
  int64_t timestamp_us = 0;
};

} // namespace mink
