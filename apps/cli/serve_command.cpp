// `mink serve`: the operator dashboard (GET /dashboard) and the service
// kit's /health, /metrics and /admin routes for any store, without the
// service that writes to it: projections are those its checkpoints name,
// run by other processes, and the controls reach them through the store.

#include <cstdlib>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "mink/actors/runtime.hpp"
#include "mink/http/server.hpp"
#include "mink/service/http_kit.hpp"
#include "mink/service/service_config.hpp"
#include "mink/service/service_metrics.hpp"
#include "mink/service/stop_signals.hpp"

namespace mink::cli {

namespace {

struct serve_options {
  std::string listen = "127.0.0.1";
  int port = 8080;
  std::string log_level = "warn";
};

/// The service configuration of `mink serve`: the CLI's store, the address,
/// and the admin token from MINK_ADMIN_TOKEN (never from the command line,
/// where `ps` shows it).
service_config serve_config(const store_options& store, const serve_options& o) {
  service_config cfg;
  const auto& where = store.location();
  if (where.kind == store_kind::sqlite) {
    cfg.sqlite_path = where.path;
  } else if (where.kind == store_kind::postgres) {
    cfg.postgres = where.conninfo;
    cfg.postgres_schema = where.schema;
  } else {
    fail("mink serve needs a SQLite or PostgreSQL store (another process's "
         "memory store cannot be seen)",
         exit_usage);
  }
  cfg.listen_address = o.listen;
  cfg.port = o.port;
  cfg.log_level = o.log_level;
  if (auto token = std::getenv("MINK_ADMIN_TOKEN"))
    if (auto err = set_option(cfg, "admin_token", token))
      fail("MINK_ADMIN_TOKEN", err);
  return cfg;
}

void serve(context& ctx, const serve_options& o) {
  ctx.resolve();
  auto cfg = serve_config(ctx.store, o);
  auto log = spdlog::stderr_color_mt("mink-serve");
  log->set_level(spdlog::level::from_str(cfg.log_level));
  // Signals go to the main thread only (stop.wait() below).
  stop_signals stop;
  auto http = value_or_fail(http::server::listen(to_server_config(cfg)),
                            "cannot listen");
  auto rt_cfg = to_runtime_config(cfg, log);
  rt_cfg.open.migrate = false; // an operator's view changes no schema
  auto rt = value_or_fail(runtime::start(std::move(rt_cfg),
                                         std::make_shared<event_registry>()),
                          "cannot open the store " + ctx.store.describe());
  if (auto err = rt->start_commands({}))
    fail("cannot start", err);
  auto metrics = std::make_shared<service_metrics>();
  metrics->set_sources(sources_of(*rt));
  auto kit = http_kit::make(to_kit_config(cfg), *rt, metrics, log);
  http::router routes;
  kit->add_standard_routes(routes);
  http->serve(std::move(routes));
  std::cout << "listening on http://" << cfg.listen_address << ":"
            << http->port() << "/dashboard (" << ctx.store.describe() << ")"
            << (cfg.admin_token.empty() ? "; no MINK_ADMIN_TOKEN: the admin "
                                          "routes are off"
                                        : "")
            << std::endl;
  stop.wait();
  // The kit's order (docs/service-kit.md): requests, queries, what reaches
  // into the runtime, then the runtime.
  http->stop();
  kit->stop();
  metrics->set_sources({});
  http.reset();
  kit.reset();
  rt->stop();
}

} // namespace

void add_serve(CLI::App& app, context& ctx) {
  auto o = std::make_shared<serve_options>();
  auto* cmd = app.add_subcommand(
    "serve", "Serve the operator dashboard (/dashboard) and the admin API of "
             "the store; the admin token comes from MINK_ADMIN_TOKEN");
  cmd->add_option("--listen", o->listen, "Address to listen on")
    ->capture_default_str();
  cmd->add_option("--port", o->port, "Port (0: any free one)")
    ->capture_default_str()->check(CLI::Range(0, 65535));
  cmd->add_option("--log-level", o->log_level, "trace, debug, info, warn, error")
    ->capture_default_str();
  cmd->callback([&ctx, o] { serve(ctx, *o); });
}

} // namespace mink::cli
