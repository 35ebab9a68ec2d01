#include "bank/service.hpp"

#include <caf/all.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "bank/account.hpp"
#include "bank/events.hpp"
#include "bank/http_api.hpp"
#include "bank/http_errors.hpp"
#include "bank/projections.hpp"
#include "bank/transfer.hpp"
#include "bank/transfer_saga.hpp"
#include "mink/actors/runtime.hpp"
#include "mink/command/middleware/correlation.hpp"
#include "mink/command/middleware/logging.hpp"
#include "mink/command/middleware/recovery.hpp"
#include "mink/command/middleware/validation.hpp"
#include "mink/http/server.hpp"
#include "mink/service/command_metrics.hpp"
#include "mink/service/http_kit.hpp"
#include "mink/service/service_metrics.hpp"
#include "mink/adapters/sql/sql_checkpoint_store.hpp"

namespace bank {

struct service::impl {
  service_config cfg;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<mink::event_store> store;
  std::shared_ptr<mink::snapshot_store> snapshots;
  std::shared_ptr<mink::sql_checkpoint_store> checkpoints;
  std::string prefix;
  std::shared_ptr<mink::service_metrics> metrics
    = std::make_shared<mink::service_metrics>();
  /// The actors, the projection engine and the stores.
  std::unique_ptr<mink::runtime> rt;
  std::shared_ptr<mink::http_kit> kit;
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

} // namespace

caf::expected<std::unique_ptr<service>> service::start(service_config cfg,
                                                      service_options opts) {
  auto x = std::make_unique<impl>();
  x->cfg = std::move(cfg);
  x->log = make_logger(x->cfg.log_level);
  x->log->info("starting: store={} listen={}:{}", x->cfg.describe_store(),
               x->cfg.listen_address, x->cfg.port);
  // Bound first: a port in use stops the start before anything is opened.
  auto server_cfg = mink::to_server_config(x->cfg);
  server_cfg.on_answer = mink::http_kit::answer_observer(x->metrics, x->log);
  auto http = mink::http::server::listen(std::move(server_cfg));
  if (!http)
    return std::move(http.error());
  x->http = std::move(*http);
  auto registry = std::make_shared<mink::event_registry>();
  if (auto err = register_events(*registry))
    return err;
  // -- actors -----------------------------------------------------------------
  auto rt_cfg = mink::to_runtime_config(x->cfg, x->log);
  rt_cfg.persistence.on_batch = mink::service_metrics::batch_observer(x->metrics);
  auto rt = mink::runtime::start(std::move(rt_cfg), registry);
  if (!rt)
    return std::move(rt.error());
  x->rt = std::move(*rt);
  x->store = x->rt->stores().events;
  x->snapshots = x->rt->stores().snapshots;
  x->checkpoints = x->rt->stores().sql;
  x->prefix = x->rt->stores().table_prefix;
  auto account_stats = x->rt->add_aggregate<account_decider>();
  auto transfer_stats = x->rt->add_aggregate<transfer_decider>();
  if (!account_stats || !transfer_stats)
    return account_stats ? transfer_stats.error() : account_stats.error();
  // Metric labels only for the bank's own command types: any other name
  // (a client's typo, an attack) shares the label `other`.
  mink::command_metrics_config metrics_cfg;
  for (const auto& names : {mink::routed_command_names<account_decider>(),
                            mink::routed_command_names<transfer_decider>()})
    metrics_cfg.known_types.insert(names.begin(), names.end());
  auto cmd_metrics = mink::command_metrics(x->metrics->shared_registry(),
                                           std::move(metrics_cfg));
  if (!cmd_metrics)
    return std::move(cmd_metrics.error());
  mink::command_pipeline pipeline;
  pipeline.use(mink::exception_recovery())
    .use(mink::validation())
    .use(mink::correlation())
    .use(mink::logging(x->log))
    .use(std::move(*cmd_metrics));
  if (auto err = x->rt->start_commands(std::move(pipeline)))
    return err;
  // -- projections and the saga -----------------------------------------------
  auto& engine = x->rt->projections();
  for (auto err :
       {engine.add(std::make_shared<accounts_projection>(x->prefix, registry)),
        engine.add(std::make_shared<totals_projection>(x->prefix, registry)),
        engine.add(
          std::make_shared<transfers_projection>(x->prefix, registry))})
    if (err)
      return err;
  mink::saga_runner_config saga_cfg;
  saga_cfg.checkpoint_name = saga_projection_name;
  saga_cfg.log = x->log;
  auto saga = x->rt->add_saga(
    make_transfer_saga(registry, recover_from(x->store, registry),
                       opts.saga_exit_after.empty()
                         ? step_hook{}
                         : exit_after(opts.saga_exit_after)),
    std::move(saga_cfg));
  if (!saga)
    return std::move(saga.error());
  auto src = mink::sources_of(*x->rt);
  x->metrics->set_sources(std::move(src));
  // -- HTTP -------------------------------------------------------------------
  auto kit_cfg = mink::to_kit_config(x->cfg);
  kit_cfg.business = bank_http_error;
  x->kit = mink::http_kit::make(std::move(kit_cfg), *x->rt, x->metrics, x->log);
  x->http->serve(make_routes(x->kit, x->prefix));
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
  if (kit)
    kit->stop();
  // Nothing that reaches into the runtime outlives it: the routes hold the
  // kit, the kit the command client, the metrics the projection engine.
  metrics->set_sources({});
  http.reset();
  kit.reset();
  // The projection runners save their checkpoints, then the actors stop
  // (commands in flight finish) and the stores close.
  if (rt)
    rt->stop();
  rt.reset();
  checkpoints.reset();
  snapshots.reset();
  store.reset();
  if (log)
    log->info("stopped");
}

} // namespace bank
