#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "bank/command_client.hpp"
#include "bank/config.hpp"
#include "bank/service_metrics.hpp"
#include "mink/actors/projection_engine.hpp"
#include "mink/projection/sql_checkpoint_store.hpp"
#include "mink/store/event_store.hpp"

namespace httplib {
class Server;
} // namespace httplib

namespace bank {

/// What the HTTP handlers use. Everything here is thread-safe.
struct api_context {
  service_config cfg;
  std::shared_ptr<command_client> commands;
  /// Runs the read models; not owned, outlives the server.
  mink::projection_engine* engine = nullptr;
  /// The database of the read models (queries run through `run`).
  std::shared_ptr<mink::sql_checkpoint_store> reads;
  /// Prefix of the read model tables (`schema.` or empty).
  std::string prefix;
  /// For health checks.
  std::shared_ptr<mink::event_store> store;
  std::shared_ptr<service_metrics> metrics;
  std::shared_ptr<spdlog::logger> log;
};

/// Installs the routes of the HTTP API (see docs/http-api.md), the JSON
/// error answers (404 for unknown routes, 413 above `cfg.body_limit`, 500
/// for an exception), request logging with correlation ids and request
/// metrics on `srv`.
void install_routes(httplib::Server& srv, std::shared_ptr<api_context> ctx);

} // namespace bank
