#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/actors/aggregate_actor.hpp"
#include "mink/actors/aggregate_context.hpp"
#include "mink/actors/command_client.hpp"
#include "mink/actors/command_codec.hpp"
#include "mink/actors/feed.hpp"
#include "mink/actors/forwarding.hpp"
#include "mink/actors/health.hpp"
#include "mink/actors/lease_keeper.hpp"
#include "mink/actors/persistence.hpp"
#include "mink/actors/projection_engine.hpp"
#include "mink/actors/router.hpp"
#include "mink/actors/snapshot_writer.hpp"
#include "mink/actors/storage_monitor.hpp"
#include "mink/actors/store_reader.hpp"
#include "mink/adapters/open_stores.hpp"
#include "mink/command/declared_commands.hpp"
#include "mink/command/pipeline.hpp"
#include "mink/log.hpp"
#include "mink/saga/saga_runner.hpp"

namespace mink {

/// Everything `runtime::start` wires, in one struct that a service's
/// configuration file and environment fill (docs/service-kit.md names the
/// keys the bank reads into it).
struct runtime_config {
  /// Where the stores are and how to open them (`open_stores`).
  store_location store;
  open_options open;
  /// CAF scheduler threads; 0 = the machine's hardware threads, at least 2.
  size_t threads = 0;
  /// Store reader threads (each with its own connection).
  size_t reader_threads = 2;
  /// The persistence actor: batch bound, queue bound, batch callback. Its
  /// `feed` is set by the runtime.
  persistence_config persistence;
  feed_config feed;
  /// When aggregates take snapshots (`every_events` 0: never), and the
  /// writer's queue.
  snapshot_policy snapshots;
  snapshot_writer_config snapshot_writer;
  /// See `aggregate_context`.
  size_t max_waiting = 1000;
  size_t max_round = 256;
  retry_policy retry;
  /// Passivation of every router.
  router_config routers;
  /// How long the command bus waits for an aggregate's answer; the
  /// command client waits a second longer.
  std::chrono::milliseconds command_timeout{std::chrono::seconds{10}};
  /// Projection runners (batches, linger, leases).
  runner_config projections;
  /// Where every part of mink logs; none = spdlog's default logger.
  logger_ptr log;
  /// Membership of a cluster of nodes on one PostgreSQL schema; off while
  /// its `node_id` is empty (docs/scaling.md).
  cluster_config cluster;
  /// How often the storage monitor asks the store what it holds (events,
  /// bytes) and whether it answers, for the storage metrics; 0 = never.
  std::chrono::milliseconds storage_interval{std::chrono::seconds{15}};
};

/// The actors and stores of a service built on mink, wired from one
/// `runtime_config`: stores opened by URL; the persistence actor (group
/// commit) publishing to the feed; store readers; the snapshot writer; one
/// router per aggregate type; the command bus with its middleware and a
/// command client; the projection engine on the feed. `stop` takes them
/// down in order.
///
/// Use: `start`, `add_aggregate` for each aggregate type, `start_commands`
/// with the middleware, then add projections to `projections()` and send
/// commands through `commands()`.
class runtime {
public:
  /// Opens the stores and starts the persistence actor, the feed, the
  /// readers, the snapshot writer and the projection engine. Fails with
  /// the store's error (`invalid_argument` for a bad location,
  /// `store_unavailable`, ...).
  [[nodiscard]] static caf::expected<std::unique_ptr<runtime>>
  start(runtime_config cfg, std::shared_ptr<const event_registry> registry);

  /// Stops (see `stop`).
  ~runtime();

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  /// Spawns the router of aggregate type `type`, whose aggregates `Decider`
  /// runs, and routes the commands named `command_names` to it. Before
  /// `start_commands` only.
  template <class Decider>
  caf::expected<std::shared_ptr<router_stats>>
  add_aggregate(std::string type, std::vector<std::string> command_names) {
    return add_router(std::move(type), std::move(command_names),
                      make_model_factory<Decider>());
  }

  /// Spawns the router of `Decider`'s aggregates, under the stream category
  /// `Decider::category`, and routes every command of its command variant
  /// (declared with `MINK_COMMAND`) to it. Before `start_commands` only.
  /// Its commands can be forwarded between the nodes of a cluster (their
  /// payload as JSON, by the declared codecs).
  template <class Decider>
  caf::expected<std::shared_ptr<router_stats>> add_aggregate() {
    return add_router(Decider::category, routed_command_names<Decider>(),
                      make_model_factory<Decider>(),
                      make_aggregate_codec<Decider>());
  }

  /// `add_aggregate` without the template: the models come from
  /// `make_model`; `codec` carries the commands to other nodes of a
  /// cluster (empty: a clustered node refuses commands for other nodes'
  /// slices with `not_owner`). Fails with `invalid_argument` after
  /// `start_commands`, for a type added before, or for a command name
  /// routed already.
  caf::expected<std::shared_ptr<router_stats>>
  add_router(std::string type, std::vector<std::string> command_names,
             aggregate_model_factory make_model, command_codec codec = {});

  /// Starts the command bus with `pipeline` over the routes added, and the
  /// command client. Once; fails with `invalid_argument` the second time.
  caf::error start_commands(command_pipeline pipeline);

  /// Runs saga `def` (after `start_commands`): its events come from the
  /// projection engine (under the saga's name, with its checkpoint), its
  /// commands go through the command client, its instances and timers live
  /// in the saga store of the stores (SQL beside the checkpoints on SQLite
  /// and PostgreSQL, memory for `memory:`), and a thread fires its timers.
  /// Fails with `invalid_argument` before `start_commands` and as
  /// `projection_engine::add` does.
  caf::expected<std::shared_ptr<saga_runner>>
  add_saga(std::shared_ptr<const saga_definition> def,
           saga_runner_config cfg = {});

  /// The sagas added.
  [[nodiscard]] const std::vector<std::shared_ptr<saga_runner>>&
  saga_runners() const noexcept;

  /// The saga store (created by the first `add_saga`; null before).
  [[nodiscard]] std::shared_ptr<saga_store> sagas() const;

  /// The command client (after `start_commands`; null before).
  [[nodiscard]] std::shared_ptr<command_client> commands() const;

  /// The projection engine.
  [[nodiscard]] projection_engine& projections();

  /// The stores.
  [[nodiscard]] const store_set& stores() const noexcept;

  /// What the aggregate actors share (counters of retries and snapshots).
  [[nodiscard]] const aggregate_context& context() const noexcept;

  /// Counters of the routers, by aggregate type.
  [[nodiscard]] const std::map<std::string, std::shared_ptr<router_stats>>&
  routers() const noexcept;

  [[nodiscard]] caf::actor_system& system() noexcept;

  /// Which slices this node owns (see `cluster_config`); null outside a
  /// cluster.
  [[nodiscard]] std::shared_ptr<const cluster::ownership>
  ownership() const noexcept;

  /// Commands this node passed on to other nodes, and those it could not
  /// (zero outside a cluster).
  [[nodiscard]] const forward_stats& forwarding() const noexcept;

  /// The storage monitor (see `runtime_config::storage_interval`); null
  /// when it is off.
  [[nodiscard]] std::shared_ptr<const storage_monitor> storage() const;

  /// Checks the store (it answers its last position), the committer (the
  /// persistence actor runs and its queue is below its bound) and each
  /// projection (not faulted; a faulted one is unhealthy with its error).
  /// Calls the store: run it off CAF's threads.
  [[nodiscard]] health_report health() const;

  /// Stops the projection runners (each saves its checkpoint), then the
  /// actors (routers and bus first, the persistence actor and feed last),
  /// waits for them, and closes the stores. Idempotent.
  void stop();

  struct impl;

private:
  explicit runtime(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace mink
