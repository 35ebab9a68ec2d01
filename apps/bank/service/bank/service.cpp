#include "bank/service.hpp"

#include <thread>

#include <caf/all.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "bank/account.hpp"
#include "bank/commands.hpp"
#include "bank/events.hpp"
#include "bank/http_api.hpp"
#include "bank/projections.hpp"
#include "bank/transfer.hpp"
#include "bank/transfer_saga.hpp"
#include "mink/actors/actor_list.hpp"
#include "mink/actors/command_bus.hpp"
#include "mink/actors/command_client.hpp"
#include "mink/actors/feed.hpp"
#include "mink/actors/router.hpp"
#include "mink/actors/snapshot_writer.hpp"
#include "mink/actors/store_reader.hpp"
#include "mink/command/middleware/correlation.hpp"
#include "mink/command/middleware/logging.hpp"
#include "mink/command/middleware/metrics.hpp"
#include "mink/command/middleware/recovery.hpp"
#include "mink/command/middleware/validation.hpp"
#include "mink/http/server.hpp"
#include "mink/http/worker_pool.hpp"
#include "mink/adapters/sql/sql_checkpoint_store.hpp"
#include "mink/adapters/open_stores.hpp"

namespace bank {

struct service::impl {
  service_config cfg;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<mink::event_store> store;
  std::shared_ptr<mink::snapshot_store> snapshots;
  std::shared_ptr<mink::sql_checkpoint_store> checkpoints;
  std::string prefix;
  std::shared_ptr<service_metrics> metrics = std::make_shared<service_metrics>();
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  mink::actor_list actors; // stopped in this order
  std::unique_ptr<mink::projection_engine> engine;
  std::shared_ptr<mink::http::worker_pool> blocking;
  std::unique_ptr<mink::http::server> http;
  bool stopped = false;

  /// See `service::stop`; also runs when a start fails half way, so that
  /// what was started stops.
  void stop();

  ~impl() { stop(); }
};

namespace {

std::shared_ptr<spdlog::logger> make_logger(const std::string& level) {
  auto log = spdlog::get("bank");
  if (!log) {
    log = spdlog::stderr_color_mt("bank");
    spdlog::set_default_logger(log);
  }
  log->set_level(spdlog::level::from_str(level));
  return log;
}

caf::error open_stores(service::impl& x) {
  mink::open_options opts;
  opts.pool_size = x.cfg.pool_size;
  opts.statement_deadline = std::chrono::milliseconds{x.cfg.statement_deadline_ms};
  opts.connect_timeout = std::chrono::milliseconds{x.cfg.connect_timeout_ms};
  auto stores = mink::open_stores(x.cfg.location(), opts);
  if (!stores)
    return std::move(stores.error());
  x.store = std::move(stores->events);
  x.snapshots = std::move(stores->snapshots);
  x.checkpoints = std::move(stores->sql);
  x.prefix = stores->table_prefix;
  return {};
}

} // namespace

caf::expected<std::unique_ptr<service>> service::start(service_config cfg,
                                                      service_options opts) {
  auto x = std::make_unique<impl>();
  x->cfg = std::move(cfg);
  x->log = make_logger(x->cfg.log_level);
  x->log->info("starting: store={} listen={}:{}", x->cfg.describe_store(),
               x->cfg.listen_address, x->cfg.port);
  // Bound first: a port in use stops the start before anything is opened.
  auto api = std::make_shared<api_context>();
  api->cfg = x->cfg;
  auto http = mink::http::server::listen(make_server_config(api));
  if (!http)
    return std::move(http.error());
  x->http = std::move(*http);
  auto registry = std::make_shared<mink::event_registry>();
  if (auto err = register_events(*registry))
    return err;
  if (auto err = open_stores(*x))
    return err;
  // -- actors -----------------------------------------------------------------
  auto threads = x->cfg.threads != 0 ? x->cfg.threads
                                     : std::max(2u, std::thread::hardware_concurrency());
  x->sys_cfg.set("scheduler.max-threads", threads);
  // Idle scheduler threads sleep after one poll instead of 500 (CAF's
  // default): polling takes CPU from a database on the same machine.
  x->sys_cfg.set("work-stealing.moderate-poll-attempts", size_t{1});
  x->sys_cfg.set("logger.verbosity", caf::atom("quiet"));
  x->sys = std::make_unique<caf::actor_system>(x->sys_cfg);
  auto& sys = *x->sys;
  // mink logs through the service's logger.
  mink::feed_config feed_cfg;
  feed_cfg.log = x->log;
  auto feed = mink::spawn_feed(sys, x->store, feed_cfg);
  mink::persistence_config pcfg;
  pcfg.max_batch_events = x->cfg.max_batch_events;
  pcfg.max_queued_appends = x->cfg.max_queued_appends;
  pcfg.feed = feed;
  std::weak_ptr<service_metrics> weak_metrics = x->metrics;
  pcfg.on_batch = [weak_metrics](size_t appends, size_t events, double secs) {
    if (auto m = weak_metrics.lock())
      m->observe_batch(appends, events, secs);
  };
  mink::aggregate_context ctx;
  ctx.writer = mink::spawn_persistence(sys, x->store, pcfg);
  ctx.reader = mink::spawn_store_reader(sys, x->store, x->snapshots, 2, {},
                                        x->log);
  ctx.registry = registry;
  ctx.log = x->log;
  mink::snapshot_writer_config snap_cfg;
  snap_cfg.log = x->log;
  ctx.snapshot_writer = mink::spawn_snapshot_writer(sys, x->snapshots,
                                                    ctx.snapshot_counters,
                                                    snap_cfg);
  ctx.snapshots.every_events = x->cfg.snapshot_every;
  ctx.max_waiting = x->cfg.max_waiting;
  auto account_stats = std::make_shared<mink::router_stats>();
  auto transfer_stats = std::make_shared<mink::router_stats>();
  auto accounts = mink::spawn_router<account_decider>(sys, account_type, ctx,
                                                      {}, account_stats);
  auto transfers = mink::spawn_router<transfer_decider>(sys, transfer_type,
                                                        ctx, {}, transfer_stats);
  mink::command_bus_config bus_cfg;
  for (const auto& name : account_command_names())
    bus_cfg.routes.emplace(name, accounts);
  for (const auto& name : transfer_command_names())
    bus_cfg.routes.emplace(name, transfers);
  // Metric labels only for the bank's own command types: any other name
  // (a client's typo, an attack) shares the label `other`.
  mink::command_metrics_config metrics_cfg;
  for (const auto& [name, _] : bus_cfg.routes)
    metrics_cfg.known_types.insert(name);
  auto cmd_metrics = mink::command_metrics(x->metrics->registry(),
                                           std::move(metrics_cfg));
  if (!cmd_metrics)
    return std::move(cmd_metrics.error());
  bus_cfg.pipeline.use(mink::exception_recovery())
    .use(mink::validation())
    .use(mink::correlation())
    .use(mink::logging(x->log))
    .use(std::move(*cmd_metrics));
  bus_cfg.timeout = std::chrono::milliseconds{x->cfg.command_timeout_ms};
  auto bus = mink::spawn_command_bus(sys, bus_cfg);
  x->actors.add(accounts);
  x->actors.add(transfers);
  x->actors.add(bus);
  x->actors.add(ctx.snapshot_writer);
  x->actors.add(ctx.reader);
  x->actors.add(ctx.writer.actor);
  x->actors.add(feed);
  auto commands = std::make_shared<mink::command_client>(
    sys, bus, std::chrono::milliseconds{x->cfg.command_timeout_ms + 1000});
  // -- projections and the saga -----------------------------------------------
  mink::runner_config runner_cfg;
  runner_cfg.live_linger = std::chrono::milliseconds{x->cfg.projection_linger_ms};
  runner_cfg.log = x->log;
  x->engine = std::make_unique<mink::projection_engine>(
    sys, x->store, x->checkpoints, feed, std::move(runner_cfg));
  auto saga_counters = std::make_shared<saga_stats>();
  auto saga = std::make_shared<transfer_saga>(x->store, registry, commands,
                                              saga_counters);
  if (!opts.saga_exit_after.empty())
    saga->exit_after(opts.saga_exit_after);
  for (auto err :
       {x->engine->add(std::make_shared<accounts_projection>(x->prefix, registry)),
        x->engine->add(std::make_shared<totals_projection>(x->prefix, registry)),
        x->engine->add(
          std::make_shared<transfers_projection>(x->prefix, registry)),
        x->engine->add(std::static_pointer_cast<mink::async_projection>(saga))})
    if (err)
      return err;
  metric_sources src;
  src.persistence = ctx.writer.stats;
  src.aggregates = ctx.counters;
  src.snapshots = ctx.snapshot_counters;
  src.routers = {{account_type, account_stats}, {transfer_type, transfer_stats}};
  src.saga = saga_counters;
  src.engine = x->engine.get();
  x->metrics->set_sources(std::move(src));
  // -- HTTP -------------------------------------------------------------------
  api->commands = commands;
  api->engine = x->engine.get();
  api->reads = x->checkpoints;
  api->prefix = x->prefix;
  api->store = x->store;
  api->snapshots = x->snapshots;
  api->metrics = x->metrics;
  api->log = x->log;
  x->blocking = std::make_shared<mink::http::worker_pool>(
    x->cfg.query_threads, x->cfg.max_queued_queries);
  api->blocking = x->blocking;
  if (auto head = x->store->last_position())
    api->known_head = *head;
  x->http->serve(make_routes(api));
  std::unique_ptr<service> result{new service(std::move(x))};
  result->impl_->log->info("listening on {}", result->base_url());
  return result;
}

service::service(std::unique_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

service::~service() {
  stop();
}

int service::port() const noexcept {
  return impl_->http ? impl_->http->port() : 0;
}

std::string service::base_url() const {
  return "http://" + impl_->cfg.listen_address + ":"
         + std::to_string(port());
}

void service::stop() {
  impl_->stop();
}

void service::impl::stop() {
  if (stopped)
    return;
  stopped = true;
  if (log)
    log->info("stopping: no new requests, finishing those in flight");
  if (http)
    http->stop();
  // Queries in the pool finish before the stores close; later ones (a
  // read-model wait ending after the drain) are refused.
  if (blocking)
    blocking->stop();
  blocking.reset();
  if (engine) {
    engine->stop();
    engine.reset();
  }
  if (sys) {
    actors.stop();
    sys->await_all_actors_done();
    sys.reset();
  }
  checkpoints.reset();
  snapshots.reset();
  store.reset();
  if (log)
    log->info("stopped");
}

} // namespace bank
