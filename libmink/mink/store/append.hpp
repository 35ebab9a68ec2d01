#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>

#include "mink/event.hpp"
#include "mink/expected_version.hpp"

namespace mink {

/// Fencing of a clustered node (mink/cluster/): the append commits only
/// while `epoch` is the current epoch of `slice`'s lease, checked in the
/// append's transaction. Inactive (no check) while `slice` is negative;
/// only stores that keep slice leases (PostgreSQL) take active fences.
struct slice_fence {
  int32_t slice = -1;
  int64_t epoch = 0;

  [[nodiscard]] bool active() const noexcept { return slice >= 0; }
};

/// Events for one stream in an append call.
struct stream_append {
  std::string stream_id;
  expected_version expected;
  std::vector<event_data> events;
  /// Makes the append idempotent: when not empty, a UUID naming the command
  /// that produced these events. The store records it in the same
  /// transaction as the events; an append carrying an id it already
  /// recorded fails with `errc::duplicate_command` and writes nothing.
  std::string command_id = {};
  /// Refuses the append with `errc::not_owner` unless the fence's epoch is
  /// still its slice's (see `slice_fence`).
  slice_fence fence = {};
};

/// What a successful append of one stream yields.
struct append_result {
  /// The stream's version after the append.
  int64_t version = 0;
  /// The global positions of the appended events, in order.
  std::vector<int64_t> positions;
  /// When the store wrote the events, in microseconds since the epoch: the
  /// `timestamp_us` that reads return for each of them. Chosen once per
  /// transaction, before the rows are written, so that events passed on
  /// live (the feed, inline projections) carry the stored value.
  int64_t timestamp_us = 0;
};

/// One event checked and encoded for storage; adapters write these.
struct prepared_event {
  std::string event_id;
  std::string type;
  int32_t schema_version = 1;
  std::string data;
  std::string metadata_json;
  /// The metadata that `metadata_json` encodes, kept so that inline
  /// projections get it without decoding the JSON again.
  metadata meta;
};

/// One stream's append after validation: ids filled in, metadata encoded.
struct prepared_append {
  /// Index of this append in the caller's batch.
  size_t index = 0;
  std::string stream_id;
  std::string category;
  expected_version expected;
  std::vector<prepared_event> events;
  /// The command id in lower case, or empty for an append without one.
  std::string command_id;
  slice_fence fence;
};

class event_store;

/// An append that `event_store::prepare_append` checked and encoded,
/// sealed: adapters trust its fields (ids go into SQL unescaped), so
/// nothing may change them on the way to `event_store::append_checked`.
/// Readable, not writable; only the event store makes one.
class checked_append {
public:
  const prepared_append& operator*() const noexcept { return x_; }
  const prepared_append* operator->() const noexcept { return &x_; }

  /// Takes the content out, e.g. to publish its events after the commit;
  /// what comes out cannot go back in.
  prepared_append release() && { return std::move(x_); }

private:
  friend class event_store;

  explicit checked_append(prepared_append x) : x_(std::move(x)) {
    // nop
  }

  prepared_append x_;
};

/// One recorded event checked and encoded for `event_store::import_events`.
struct import_event {
  int64_t position = 0;
  std::string stream_id;
  std::string category;
  int64_t version = 0;
  /// The event id (a UUID in lower case), type, schema version, data and
  /// encoded metadata.
  prepared_event ev;
  int64_t timestamp_us = 0;
};

/// Returns `errc::wrong_expected_version`, naming the stream, the expected
/// and the actual version, when a stream at `current` fails `x.expected`;
/// the empty error otherwise.
[[nodiscard]] caf::error check_expected_version(const prepared_append& x,
                                                int64_t current);

/// Returns `errc::duplicate_command` for `x`, naming its stream and its
/// command id.
[[nodiscard]] caf::error duplicate_command_error(const prepared_append& x);

/// Returns `errc::duplicate_event_id`, naming `event_id`, for an event whose
/// id the store already holds.
[[nodiscard]] caf::error duplicate_event_id_error(const std::string& event_id);

/// Returns `errc::wrong_expected_version` when an import whose first event
/// is at `first_position` does not continue a store whose last position is
/// `last`; the empty error otherwise.
[[nodiscard]] caf::error check_import_start(int64_t first_position,
                                            int64_t last);

/// Returns `errc::wrong_expected_version` when an import continues stream
/// `stream_id`, now at version `current`, with a version other than
/// `current + 1` (`first`); the empty error otherwise.
[[nodiscard]] caf::error check_import_continues(const std::string& stream_id,
                                                int64_t current, int64_t first);

} // namespace mink
