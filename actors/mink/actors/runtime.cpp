#include "mink/actors/runtime.hpp"

#include <algorithm>
#include <system_error>
#include <thread>

#include <caf/all.hpp>

#include "mink/actors/actor_list.hpp"
#include "mink/actors/command_bus.hpp"
#include "mink/actors/forwarding.hpp"
#include "mink/adapters/sql/sql_saga_store.hpp"
#include "mink/cluster/projection_lease.hpp"
#include "mink/errc.hpp"
#include "mink/uuid.hpp"

namespace mink {

struct runtime::impl {
  runtime_config cfg;
  store_set stores;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  aggregate_context ctx;
  feed_actor feed;
  std::map<std::string, std::shared_ptr<router_stats>> routers;
  command_bus_config bus_cfg;
  bool commands_started = false;
  std::shared_ptr<command_client> commands;
  std::unique_ptr<projection_engine> engine;
  std::shared_ptr<mink::saga_store> saga_db;
  std::vector<std::shared_ptr<saga_runner>> sagas;
  /// Routers and the bus, stopped before `core`.
  actor_list front;
  /// The snapshot writer, readers, persistence actor and feed.
  actor_list core;
  /// Set when the persistence actor (and so its committer) is down.
  std::shared_ptr<std::atomic<bool>> committer_down
    = std::make_shared<std::atomic<bool>>(false);
  /// A clustered node's lease store and ownership; null outside a cluster.
  std::shared_ptr<cluster::lease_store> leases;
  std::shared_ptr<cluster::ownership> ownership;
  /// Where forwarded commands go on this node, and its forwarding
  /// counters (clustered nodes only).
  std::shared_ptr<forward_routes> forward_table;
  /// This run's member id (`node_id/incarnation`): a restart under the
  /// same node id is a new member, whose claims fence off the run before.
  std::string member;
  std::shared_ptr<forward_stats> forwarding
    = std::make_shared<forward_stats>();
  /// Null when `storage_interval` is 0.
  std::shared_ptr<storage_monitor> storage;
  bool stopped = false;

  void stop();

  ~impl() {
    stop();
  }
};

void runtime::impl::stop() {
  if (stopped)
    return;
  stopped = true;
  // First: no storage check runs while the rest stops.
  if (storage)
    storage->stop();
  // Saga timers send commands: they stop before the engine and the bus.
  for (auto& s : sagas)
    s->stop();
  if (engine)
    engine->stop();
  sagas.clear();
  saga_db.reset();
  engine.reset();
  commands.reset();
  if (sys) {
    front.stop();
    core.stop();
    sys->await_all_actors_done();
    // The actor system waits for its detached threads, each of which waits
    // for the last handle on its actor to go.
    bus_cfg = command_bus_config{};
    ctx = aggregate_context{};
    forward_table.reset();
    feed = feed_actor{};
    sys.reset();
  }
  leases.reset();
  stores = store_set{};
}

namespace {

/// The actor system: `threads` scheduler threads (0: the machine's, at
/// least 2); idle threads sleep after one poll (CAF polls 500 times,
/// which takes CPU from a database on the same machine); CAF's own log
/// off (mink logs through spdlog).
void configure_system(caf::actor_system_config& sys_cfg, size_t threads) {
  if (threads == 0)
    threads = std::max(2u, std::thread::hardware_concurrency());
  sys_cfg.set("scheduler.max-threads", threads);
  sys_cfg.set("work-stealing.moderate-poll-attempts", size_t{1});
  sys_cfg.set("logger.verbosity", caf::atom("quiet"));
}

/// Healthy while the node's lease keeper renewed its lease within the
/// lease's time (after that other nodes may own its slices).
health_check check_cluster(const cluster::ownership& own,
                           const cluster_config& cfg) {
  auto x = own.stats();
  health_check c{"cluster", true, ""};
  if (!x.updated || x.since_update > cfg.lease_ttl) {
    c.healthy = false;
    c.detail = x.updated ? "node " + cfg.node_id + " has not renewed its lease for "
                             + std::to_string(x.since_update.count()) + " ms"
                         : "node " + cfg.node_id + " has not joined yet";
    return c;
  }
  c.detail = "node " + cfg.node_id + " owns " + std::to_string(x.owned)
             + " of " + std::to_string(own.slice_count()) + " slices; "
             + std::to_string(x.members_live) + " of "
             + std::to_string(x.members) + " members live";
  return c;
}

/// Checks a cluster's configuration and opens its lease store; nothing
/// outside a cluster.
caf::expected<std::shared_ptr<cluster::lease_store>>
open_cluster(const runtime_config& cfg) {
  auto& c = cfg.cluster;
  if (!c.enabled())
    return std::shared_ptr<cluster::lease_store>{};
  if (auto what = cluster::check_node_id(c.node_id); !what.empty())
    return make_error(errc::invalid_argument, "cluster: " + what);
  if (c.address.empty())
    return make_error(errc::invalid_argument,
                      "cluster: node " + c.node_id
                        + " needs the address other nodes reach it at");
  if (auto err = cluster::check_announce({c.node_id, c.address, c.lease_ttl},
                                         c.slice_count))
    return make_error(errc::invalid_argument, "cluster: " + message_of(err));
  if (c.heartbeat.count() <= 0 || c.lease_ttl < 2 * c.heartbeat)
    return make_error(errc::invalid_argument,
                      "cluster: the lease must last at least two heartbeats "
                      "(lease_ttl "
                        + std::to_string(c.lease_ttl.count())
                        + " ms, heartbeat "
                        + std::to_string(c.heartbeat.count()) + " ms)");
  // One connection: only the keeper uses it, one call at a time.
  auto opts = cfg.open;
  opts.pool_size = 1;
  auto leases = open_lease_store(cfg.store, opts);
  if (!leases)
    return std::move(leases.error());
  return std::shared_ptr<cluster::lease_store>{std::move(*leases)};
}

/// Publishes the node's endpoint for forwarded commands on its cluster
/// address, which then names the port bound (for an address with port 0).
caf::error start_endpoint(runtime::impl& x) {
  x.forward_table = std::make_shared<forward_routes>();
  auto endpoint = spawn_forward_endpoint(*x.sys, x.forward_table, x.member,
                                         x.cfg.command_timeout);
  x.front.add(endpoint);
  auto bound = publish_forward_endpoint(*x.sys, endpoint, x.cfg.cluster.address);
  if (!bound)
    return std::move(bound.error());
  x.cfg.cluster.address = *bound;
  return {};
}

/// Spawns the actors every aggregate type shares.
void spawn_core(runtime::impl& x,
                std::shared_ptr<const event_registry> registry) {
  auto& sys = *x.sys;
  auto& cfg = x.cfg;
  cfg.feed.log = cfg.feed.log ? cfg.feed.log : cfg.log;
  x.feed = spawn_feed(sys, x.stores.events, cfg.feed);
  auto pcfg = cfg.persistence;
  pcfg.feed = x.feed;
  if (x.leases) {
    auto keeper_cfg = cfg.cluster;
    keeper_cfg.node_id = x.member;
    x.ownership = std::make_shared<cluster::ownership>(keeper_cfg.node_id,
                                                       cfg.cluster.slice_count);
    pcfg.fence_for = [own = x.ownership](std::string_view stream_id) {
      return own->fence_for(stream_id);
    };
    x.ctx.ownership = x.ownership;
    // Told to stop first of the core (after the routers and the bus were
    // told): it leaves the cluster as it ends.
    x.core.add(spawn_lease_keeper(sys, x.leases, keeper_cfg, x.ownership,
                                  cfg.log));
  }
  x.ctx.writer = spawn_persistence(sys, x.stores.events, pcfg);
  if (auto ptr = caf::actor_cast<caf::strong_actor_ptr>(x.ctx.writer.actor))
    ptr->get()->attach_functor([down = x.committer_down] { *down = true; });
  x.ctx.reader = spawn_store_reader(sys, x.stores.events, x.stores.snapshots,
                                    cfg.reader_threads, {}, cfg.log);
  x.ctx.registry = std::move(registry);
  auto wcfg = cfg.snapshot_writer;
  wcfg.log = wcfg.log ? wcfg.log : cfg.log;
  x.ctx.snapshot_writer = spawn_snapshot_writer(sys, x.stores.snapshots,
                                                x.ctx.snapshot_counters, wcfg);
  x.ctx.snapshots = cfg.snapshots;
  x.ctx.max_waiting = cfg.max_waiting;
  x.ctx.max_round = cfg.max_round;
  x.ctx.retry = cfg.retry;
  x.ctx.log = cfg.log;
  // Stopped in this order, after the routers and the bus.
  x.core.add(x.ctx.snapshot_writer);
  x.core.add(x.ctx.reader);
  x.core.add(x.ctx.writer.actor);
  x.core.add(x.feed);
}

} // namespace

caf::expected<std::unique_ptr<runtime>>
runtime::start(runtime_config cfg,
               std::shared_ptr<const event_registry> registry) {
  if (!registry)
    return make_error(errc::invalid_argument, "runtime: no event registry");
  auto x = std::make_unique<impl>();
  x->cfg = std::move(cfg);
  auto stores = open_stores(x->cfg.store, x->cfg.open);
  if (!stores)
    return std::move(stores.error());
  x->stores = std::move(*stores);
  auto leases = open_cluster(x->cfg);
  if (!leases)
    return std::move(leases.error());
  x->leases = std::move(*leases);
  configure_system(x->sys_cfg, x->cfg.threads);
  if (x->leases) {
    x->member = cluster::member_id(x->cfg.cluster.node_id,
                                   make_uuid().substr(24));
    configure_forwarding(x->sys_cfg, x->cfg.store.schema,
                         x->cfg.cluster.heartbeat, x->cfg.cluster.lease_ttl);
  }
  x->sys = std::make_unique<caf::actor_system>(x->sys_cfg);
  if (x->leases)
    if (auto err = start_endpoint(*x))
      return err;
  spawn_core(*x, std::move(registry));
  if (x->leases) {
    auto fwd = spawn_forwarder(*x->sys, x->ownership, x->forward_table,
                               x->cfg.command_timeout, x->forwarding,
                               x->cfg.log);
    x->front.add(fwd);
    x->ctx.forwarder = fwd;
  }
  auto rcfg = x->cfg.projections;
  rcfg.log = rcfg.log ? rcfg.log : x->cfg.log;
  if (x->ownership)
    // Projections spread over the nodes as slices do, and move with them.
    rcfg.lead = [own = x->ownership](const std::string& name)
      -> caf::expected<std::unique_ptr<runner_lease>> {
      return cluster::lead_projection(own, name);
    };
  x->engine = std::make_unique<projection_engine>(
    *x->sys, x->stores.events, x->stores.checkpoints, x->feed, rcfg);
  if (x->cfg.storage_interval.count() > 0) {
    try {
      x->storage = std::make_shared<storage_monitor>(
        x->stores.events, x->cfg.storage_interval, x->cfg.log);
    } catch (const std::system_error& ex) {
      return make_error(errc::storage_failure,
                        std::string{"runtime: no storage monitor: "}
                          + ex.what());
    }
  }
  return std::unique_ptr<runtime>{new runtime(std::move(x))};
}

runtime::runtime(std::unique_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

runtime::~runtime() {
  stop();
}

caf::expected<std::shared_ptr<router_stats>>
runtime::add_router(std::string type, std::vector<std::string> command_names,
                    aggregate_model_factory make_model, command_codec codec) {
  auto& x = *impl_;
  if (x.commands_started || x.stopped)
    return make_error(errc::invalid_argument,
                      "runtime: aggregate type '" + type
                        + "' added after start_commands");
  if (x.routers.count(type) != 0)
    return make_error(errc::invalid_argument,
                      "runtime: aggregate type '" + type + "' added twice");
  for (auto& name : command_names)
    if (x.bus_cfg.routes.count(name) != 0)
      return make_error(errc::invalid_argument,
                        "runtime: command '" + name + "' is routed already");
  auto stats = std::make_shared<router_stats>();
  auto router = spawn_router(*x.sys, type, x.ctx, x.cfg.routers, stats,
                             make_model);
  x.front.add(router);
  for (auto& name : command_names) {
    if (x.forward_table)
      x.forward_table->add(name, {router, codec});
    x.bus_cfg.routes.emplace(std::move(name), router);
  }
  x.routers.emplace(std::move(type), stats);
  return stats;
}

caf::error runtime::start_commands(command_pipeline pipeline) {
  auto& x = *impl_;
  if (x.commands_started || x.stopped)
    return make_error(errc::invalid_argument,
                      "runtime: start_commands called twice");
  x.commands_started = true;
  x.bus_cfg.pipeline = std::move(pipeline);
  x.bus_cfg.timeout = x.cfg.command_timeout;
  auto bus = x.front.add(spawn_command_bus(*x.sys, x.bus_cfg));
  // The client waits longer than the bus, so the bus answers a timeout.
  x.commands = std::make_shared<command_client>(
    *x.sys, bus, x.cfg.command_timeout + std::chrono::seconds{1});
  if (x.forward_table)
    x.forward_table->open();
  return {};
}

caf::expected<std::shared_ptr<saga_runner>>
runtime::add_saga(std::shared_ptr<const saga_definition> def,
                  saga_runner_config cfg) {
  auto& x = *impl_;
  if (!x.commands || x.stopped)
    return make_error(errc::invalid_argument,
                      "runtime: add_saga before start_commands");
  if (!x.saga_db)
    x.saga_db = make_saga_store(x.stores);
  if (!cfg.log)
    cfg.log = x.cfg.log;
  // Weak: a runner kept past the runtime must not keep its client (and
  // through it the actor system) alive.
  auto sender = [weak = std::weak_ptr<command_client>{x.commands}](
                  std::vector<command_envelope> cmds) {
    if (auto client = weak.lock())
      return client->send_all(std::move(cmds));
    return std::vector<caf::expected<command_result>>(
      cmds.size(), make_error(errc::store_unavailable, "the runtime stopped"));
  };
  auto runner = std::make_shared<saga_runner>(std::move(def), x.saga_db,
                                              std::move(sender),
                                              std::move(cfg));
  if (auto err = x.engine->add(runner))
    return err;
  runner->start_timers();
  x.sagas.push_back(runner);
  return runner;
}

const std::vector<std::shared_ptr<saga_runner>>&
runtime::saga_runners() const noexcept {
  return impl_->sagas;
}

std::shared_ptr<saga_store> runtime::sagas() const {
  return impl_->saga_db;
}

std::shared_ptr<command_client> runtime::commands() const {
  return impl_->commands;
}

projection_engine& runtime::projections() {
  return *impl_->engine;
}

const store_set& runtime::stores() const noexcept {
  return impl_->stores;
}

const aggregate_context& runtime::context() const noexcept {
  return impl_->ctx;
}

const std::map<std::string, std::shared_ptr<router_stats>>&
runtime::routers() const noexcept {
  return impl_->routers;
}

caf::actor_system& runtime::system() noexcept {
  return *impl_->sys;
}

std::shared_ptr<const cluster::ownership> runtime::ownership() const noexcept {
  return impl_->ownership;
}

const forward_stats& runtime::forwarding() const noexcept {
  return *impl_->forwarding;
}

namespace {

health_check check_committer(const persistence& writer, bool down) {
  health_check x{"committer", true, "running"};
  auto queued = writer.stats->queued.load(std::memory_order_relaxed);
  if (down) {
    x.healthy = false;
    x.detail = "the persistence actor is down";
  } else if (queued >= writer.config.max_queued_appends) {
    x.healthy = false;
    x.detail = "the append queue is full (" + std::to_string(queued)
               + " appends)";
  }
  return x;
}

} // namespace

std::shared_ptr<const storage_monitor> runtime::storage() const {
  return impl_->storage;
}

health_report runtime::health() const {
  auto& x = *impl_;
  health_report out;
  if (x.stopped || !x.stores.events) {
    out.checks.push_back({"store", false, "the runtime is stopped"});
    return out;
  }
  health_check store{"store", true, "answers"};
  if (auto pos = x.stores.events->last_position()) {
    out.position = *pos;
  } else {
    store.healthy = false;
    store.detail = to_text(pos.error());
  }
  out.checks.push_back(std::move(store));
  out.checks.push_back(check_committer(x.ctx.writer, *x.committer_down));
  if (x.ownership)
    out.checks.push_back(check_cluster(*x.ownership, x.cfg.cluster));
  for (const auto& st : x.engine->statuses()) {
    health_check p{"projection " + st->name(), true,
                   std::string{to_string(st->state())}};
    if (st->state() == projection_state::faulted) {
      p.healthy = false;
      p.detail = "faulted: " + st->last_error();
    }
    out.checks.push_back(std::move(p));
  }
  return out;
}

void runtime::stop() {
  if (impl_)
    impl_->stop();
}

} // namespace mink
