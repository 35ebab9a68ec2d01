#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "mink/actors/interfaces.hpp"
#include "mink/log.hpp"
#include "mink/actors/projection_status.hpp"
#include "mink/projection/checkpoint_store.hpp"
#include "mink/adapters/sql/projection_target.hpp"
#include "mink/store/event_store.hpp"

namespace mink {

/// Settings of projection runners.
struct runner_config {
  /// Where the runner logs its state changes and failures; none = spdlog's
  /// default logger.
  logger_ptr log;
  /// Most events asked of the feed at once (live).
  uint32_t live_batch = 2000;
  /// The least time between the starts of two live batches. What arrives
  /// meanwhile waits in the feed and goes into the next batch, so that
  /// under load the batches (one read-model transaction each) grow instead
  /// of the number of transactions. An event after a quiet spell of this
  /// length is applied at once; others wait at most this long. Zero asks
  /// the feed again as soon as a batch is applied.
  std::chrono::milliseconds live_linger{10};
  /// Most events read from the store per batch while catching up or
  /// rebuilding (one read-model transaction each).
  size_t catchup_batch = 50000;
  /// The memory a catch-up batch may take, by `footprint` of its events:
  /// the runner asks for as many events as fit, judging their size by the
  /// batch before (by `initial_event_bytes` at first), and never more than
  /// `catchup_batch`. A runner holds at most about two batches and the
  /// database client's copy of one while it catches up.
  size_t catchup_bytes = size_t{32} << 20;
  /// The size assumed for an event before the runner has read any.
  size_t initial_event_bytes = 1024;
  /// Most events per store query: a catch-up batch larger than this is
  /// read with several queries, so that the database client's copy of
  /// the rows stays small (and in the CPU's cache while it is decoded).
  size_t read_page = 10000;
  /// How often the runner reads its stored record: the bound on how long
  /// a pause, resume, reset, rebuild or replay from another process takes
  /// to be obeyed. Also how often it asks its lease whether it still holds
  /// (the checkpoint's compare-and-set keeps a runner that lost it from
  /// applying anything twice meanwhile).
  std::chrono::milliseconds control_interval{250};
  /// How often the runner writes its state and lag to the store.
  std::chrono::milliseconds report_interval{1000};
  /// How often a process that does not run a projection tries to take it
  /// over (the runner that holds it may have died).
  std::chrono::milliseconds lead_retry{500};
  /// Without a feed: how often the runner polls the store when caught up.
  std::chrono::milliseconds idle_poll{50};
  /// The wait before trying again after the store failed.
  std::chrono::milliseconds store_retry{500};
  /// Who this process is, in reports (e.g. `pid@host`); filled in by the
  /// engine when empty.
  std::string runner_id;
  /// How a runner takes its projection's lease: null when another runner
  /// holds it. Empty = `checkpoint_store::try_lead` (on PostgreSQL a
  /// session advisory lock); a clustered runtime uses the slice leases
  /// (`cluster::lead_projection`).
  std::function<caf::expected<std::unique_ptr<runner_lease>>(
    const std::string& name)>
    lead;
};

/// The events a catch-up batch asks for: as many as fit `cfg.catchup_bytes`
/// at `event_bytes` each (`cfg.initial_event_bytes` when 0), at least 1 and
/// at most `cfg.catchup_batch`.
[[nodiscard]] size_t catchup_limit(const runner_config& cfg,
                                   size_t event_bytes) noexcept;

/// Reads up to `limit` events from `from` on, in position order, with
/// queries of at most `page` events each (`page` 0: one query). A batch of
/// several pages is gathered in `buffer` (emptied first): a caller that
/// hands each batch's vector back for the next one saves allocating and
/// faulting in its memory every batch.
[[nodiscard]] caf::expected<std::vector<recorded_event>>
read_catchup(event_store& store, int64_t from, size_t limit, size_t page,
             std::vector<recorded_event> buffer = {});

/// Spawns the runner of one projection on a thread of its own (it calls
/// the projection's handlers and the stores, which block).
///
/// The runner takes the projection's lease (`checkpoint_store::try_lead`),
/// so one process runs it at a time; without the lease it retries every
/// `lead_retry`, and takes over when the holder dies. It then applies the
/// committed events after its checkpoint in batches: from the store while
/// catching up, from `feed` (when valid) once near the head. It obeys the
/// stored controls (pause, resume, reset, rebuild, dead-letter replay),
/// applies the projection's error policy to a failing event, and reports
/// its state and lag. `status` mirrors all of this for the process.
projection_runner_actor spawn_projection_runner(caf::actor_system& sys,
                                   std::unique_ptr<projection_target> target,
                                   std::shared_ptr<event_store> store,
                                   std::shared_ptr<checkpoint_store> checkpoints,
                                   feed_actor feed,
                                   std::shared_ptr<projection_status> status,
                                   runner_config cfg);

} // namespace mink
