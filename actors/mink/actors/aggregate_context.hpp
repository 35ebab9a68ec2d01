#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <caf/actor_addr.hpp>

#include "mink/actors/interfaces.hpp"
#include "mink/actors/persistence.hpp"
#include "mink/actors/snapshot_writer.hpp"
#include "mink/cluster/ownership.hpp"
#include "mink/log.hpp"
#include "mink/serialization/event_registry.hpp"

namespace mink {

/// How an aggregate actor retries a command after another writer changed
/// its stream (`wrong_expected_version`). Business errors are never retried.
struct retry_policy {
  /// Retries after the first attempt; then the conflict is returned.
  int max_retries = 5;
  /// The first backoff; it doubles per retry up to `max_delay`, and each
  /// wait is drawn uniformly from [delay / 2, delay] (jitter), so that
  /// writers that collided do not collide again.
  std::chrono::milliseconds base_delay{2};
  std::chrono::milliseconds max_delay{100};
};

/// Counters of the aggregate actors, readable from any thread.
struct aggregate_stats {
  /// Commands decided again after another writer changed their stream.
  std::atomic<uint64_t> retries{0};
};

/// What every aggregate actor of a service shares.
struct aggregate_context {
  persistence writer;
  /// The store reader (see `spawn_store_reader`).
  store_reader_actor reader;
  std::shared_ptr<const event_registry> registry;
  retry_policy retry;
  /// The snapshot writer (see `spawn_snapshot_writer`); none = aggregates
  /// neither read nor write snapshots. Deciders without a state codec never
  /// use snapshots.
  snapshot_writer_actor snapshot_writer;
  snapshot_policy snapshots;
  /// Commands waiting for one aggregate above which new ones are answered
  /// `overloaded` at once.
  size_t max_waiting = 1000;
  /// Commands waiting for one aggregate that it decides in one round, one
  /// after another against its evolving state, and appends together (one
  /// transaction) at most.
  size_t max_round = 256;
  std::shared_ptr<aggregate_stats> counters
    = std::make_shared<aggregate_stats>();
  std::shared_ptr<snapshot_stats> snapshot_counters
    = std::make_shared<snapshot_stats>();
  /// Where the aggregate actors log (a snapshot they could not use); none =
  /// spdlog's default logger.
  logger_ptr log;
  /// The router of the aggregate actors sharing this context (set by the
  /// router; weak): an actor that fails tells it to forget it.
  caf::actor_addr router;
  /// A clustered node's view of slice ownership: routers take commands
  /// only for the slices it owns (others are answered `not_owner`) and
  /// passivate the actors of slices it lost. None outside a cluster.
  std::shared_ptr<const cluster::ownership> ownership;
  /// A clustered node's forwarder: commands for slices another node owns
  /// go there (see `spawn_forwarder`); none = refused with `not_owner`.
  command_handler_actor forwarder;
};

} // namespace mink
