#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "bank/config.hpp"
#include "bank/service_metrics.hpp"
#include "mink/actors/command_client.hpp"
#include "mink/actors/projection_engine.hpp"
#include "mink/actors/runtime.hpp"
#include "mink/http/router.hpp"
#include "mink/http/server_config.hpp"
#include "mink/http/worker_pool.hpp"
#include "mink/adapters/sql/sql_checkpoint_store.hpp"
#include "mink/store/event_store.hpp"
#include "mink/store/snapshot_store.hpp"

namespace bank {

/// What the HTTP handlers use. Everything here is thread-safe.
struct api_context {
  service_config cfg;
  std::shared_ptr<mink::command_client> commands;
  /// Runs the read models; not owned, outlives the server.
  mink::projection_engine* engine = nullptr;
  /// The actors and stores, for `/health`; not owned, outlives the server.
  const mink::runtime* runtime = nullptr;
  /// The database of the read models (queries run through `run`).
  std::shared_ptr<mink::sql_checkpoint_store> reads;
  /// Runs the read-model queries and store reads (they block).
  std::shared_ptr<mink::http::worker_pool> blocking;
  /// Prefix of the read model tables (`schema.` or empty).
  std::string prefix;
  /// For health checks and the head of `?position=N`.
  std::shared_ptr<mink::event_store> store;
  /// For the snapshot purge of the admin routes.
  std::shared_ptr<mink::snapshot_store> snapshots;
  std::shared_ptr<service_metrics> metrics;
  std::shared_ptr<spdlog::logger> log;
  /// The highest position known to exist in the store (from command
  /// answers and store reads): `?position=N` up to it needs no store read.
  std::atomic<int64_t> known_head{0};
};

/// The routes of the HTTP API (see docs/http-api.md).
[[nodiscard]] mink::http::router make_routes(std::shared_ptr<api_context> ctx);

/// The HTTP server's settings from the service's configuration, with
/// request logging (correlation ids) and request metrics.
[[nodiscard]] mink::http::server_config
make_server_config(std::shared_ptr<api_context> ctx);

} // namespace bank
