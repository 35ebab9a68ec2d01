#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace mink {

/// A snapshot of one aggregate's state at a stream version.
struct snapshot {
  std::string stream_id;
  /// The stream version the state includes (at least 1).
  int64_t version = 0;
  /// The name of the state type, e.g. `account`.
  std::string state_type;
  /// The version of the state's JSON encoding (at least 1).
  int32_t schema_version = 1;
  /// The state as JSON, stored byte for byte.
  std::string data;
  /// When the store wrote it, in microseconds since the epoch. Set by the
  /// store on save; ignored on input.
  int64_t timestamp_us = 0;
};

/// What `snapshot_store::list` tells of one snapshot (without its data).
struct snapshot_info {
  std::string stream_id;
  int64_t version = 0;
  std::string state_type;
  int32_t schema_version = 1;
  /// The size of the snapshot's data in bytes.
  size_t size_bytes = 0;
  int64_t timestamp_us = 0;
};

/// The snapshot store port: the latest snapshot of each stream. Adapters
/// (memory, SQLite, PostgreSQL) implement the protected `do_*` members; the
/// public members validate the input first, so every adapter rejects bad
/// input the same way.
///
/// Guarantees of every adapter:
/// - A stream has at most one snapshot. `save` keeps it only when its
///   version is at least the stored one: snapshots are written
///   asynchronously and may arrive out of order, so an older one never
///   replaces a newer (and that is not an error). One at the same version
///   replaces the stored one, so that after a change of the state's schema
///   an aggregate with no new events can still get a snapshot it can read.
/// - Data comes back byte for byte as saved.
/// - Listing orders streams by their ids' bytes (UTF-8 code point order).
/// - All member functions are safe to call from many threads at once, and
///   handles on the same storage see each other's writes at once.
/// - No exception leaves a member function: an adapter's exception becomes
///   `storage_failure`.
///
/// Failures: `invalid_argument` for bad input (nothing is written),
/// `store_unavailable` when the database cannot be reached or stays locked,
/// `timeout` when no pooled connection frees up, `storage_failure` otherwise.
class snapshot_store {
public:
  virtual ~snapshot_store();

  /// Stores `s` as its stream's latest snapshot unless the stored one has
  /// the same or a higher version (then does nothing and succeeds). Fails
  /// with `invalid_argument` for an invalid stream id, a version below 1, a
  /// state type that is empty, longer than 200 bytes, holds control
  /// characters or is not UTF-8, a schema version below 1, or data that is
  /// not valid JSON or larger than `max_event_data_size`.
  [[nodiscard]] caf::error save(snapshot s);

  /// Returns the latest snapshot of a stream, or `std::nullopt` when there
  /// is none.
  [[nodiscard]] caf::expected<std::optional<snapshot>>
  load(const std::string& stream_id);

  /// Loads the latest snapshots of many streams at once: result i is the
  /// snapshot of `stream_ids[i]`, `std::nullopt` when it has none, or that
  /// stream's error (`invalid_argument` for an invalid id, which fails it
  /// alone). A database failure fails every stream. Adapters may read all
  /// of them in one query (PostgreSQL does); the default loads them one by
  /// one.
  [[nodiscard]] std::vector<caf::expected<std::optional<snapshot>>>
  load_many(const std::vector<std::string>& stream_ids);

  /// Deletes a stream's snapshot; deleting a missing one is not an error.
  [[nodiscard]] caf::error remove(const std::string& stream_id);

  /// Lists up to `limit` snapshots ordered by stream id, starting after
  /// `after_stream_id` (exclusive; empty to start at the first). With a
  /// `category`, lists only streams of that category (the text before the
  /// first `-` of a stream id, as `category_of`). To page, pass the last
  /// stream id of one page as `after_stream_id` of the next.
  [[nodiscard]] caf::expected<std::vector<snapshot_info>>
  list(const std::string& after_stream_id, size_t limit,
       const std::string& category = {});

  /// Deletes all snapshots, or those of one category; returns how many.
  [[nodiscard]] caf::expected<size_t> purge(const std::string& category = {});

protected:
  /// Stores a validated snapshot unless the stored one has the same or a
  /// higher version. Sets the timestamp itself; `s.timestamp_us` is 0.
  virtual caf::error do_save(snapshot& s) = 0;

  virtual caf::expected<std::optional<snapshot>>
  do_load(const std::string& stream_id)
    = 0;

  /// Loads many snapshots; the ids are valid and `out` has one slot per
  /// id, preset to `std::nullopt`. Fills every slot: a snapshot, none, or
  /// that stream's error. May throw on a database failure (the port then
  /// fails every slot). The default calls `do_load` for each.
  virtual void
  do_load_many(const std::vector<std::string>& stream_ids,
               std::vector<caf::expected<std::optional<snapshot>>>& out);

  virtual caf::error do_remove(const std::string& stream_id) = 0;

  /// Arguments are validated; `limit` > 0 and at most INT64_MAX;
  /// `category` is empty or a valid category (it never holds a `-`).
  virtual caf::expected<std::vector<snapshot_info>>
  do_list(const std::string& after_stream_id, size_t limit,
          const std::string& category)
    = 0;

  /// `category` is empty or a valid category (it never holds a `-`).
  virtual caf::expected<size_t> do_purge(const std::string& category) = 0;
};

} // namespace mink

/// Declares every required override of `snapshot_store`, for the
/// `protected:` section of an adapter's class (add `do_load_many` where
/// the adapter has its own).
#define MINK_SNAPSHOT_STORE_OVERRIDES                                          \
  caf::error do_save(snapshot& s) override;                                    \
  caf::expected<std::optional<snapshot>> do_load(const std::string& stream_id) \
    override;                                                                  \
  caf::error do_remove(const std::string& stream_id) override;                 \
  caf::expected<std::vector<snapshot_info>> do_list(                           \
    const std::string& after_stream_id, size_t limit,                          \
    const std::string& category) override;                                    \
  caf::expected<size_t> do_purge(const std::string& category) override;
