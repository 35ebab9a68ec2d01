#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "mink/actors/load_result.hpp"
#include "mink/log.hpp"
#include "mink/store/event_store.hpp"
#include "mink/store/snapshot_store.hpp"

namespace mink {

/// One aggregate load, as the store reader receives it.
struct load_request {
  std::string stream_id;
  int64_t from_version = 1;
  /// Start from the stream's snapshot when there is one.
  bool use_snapshot = false;
};

/// What store readers did, for benchmarks and metrics.
struct store_reader_stats {
  /// Loads answered.
  std::atomic<uint64_t> loads{0};
  /// Batches served: each is one snapshot query (when any load of it asks
  /// for a snapshot) and one event query.
  std::atomic<uint64_t> batches{0};
  /// The largest batch served.
  std::atomic<uint64_t> largest_batch{0};
  /// Further pages of long streams, read one stream at a time.
  std::atomic<uint64_t> extra_pages{0};
  /// Microseconds the readers spent serving batches, summed over readers.
  std::atomic<uint64_t> busy_us{0};
};

/// Events per stream in a batch's event query: at most `max_load_batch`
/// times this many rows come back at once.
constexpr size_t load_batch_page = 256;

/// Events per read of a stream that filled its batch page; its remaining
/// pages are read by themselves.
constexpr size_t load_stream_page = 1000;

/// The most loads one batch holds.
constexpr size_t max_load_batch = 128;

/// Serves `batch` with two queries: the snapshots of the loads that ask for
/// one (`snapshot_store::load_many`) and the events after them
/// (`event_store::read_streams`); a stream with more than `load_batch_page`
/// events to read gets the rest page by page by itself. Result i answers
/// `batch[i]`: as the reader's `load`, a snapshot (when asked for, present
/// and readable at or after the from-version) and the events after it, no
/// events for a stream that does not exist, or that load's own error. A
/// snapshot that cannot be read is replayed over, with a warning to `log`.
/// `snapshots` may be null; `stats` too.
std::vector<caf::expected<load_result>>
load_batch(event_store& store, snapshot_store* snapshots,
           const std::vector<load_request>& batch, spdlog::logger& log,
           store_reader_stats* stats = nullptr);

} // namespace mink
