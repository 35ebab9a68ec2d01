#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "mink/command/command.hpp"
#include "mink/http/error_mapping.hpp"
#include "mink/http/responder.hpp"
#include "mink/http/router.hpp"
#include "mink/http/server_config.hpp"
#include "mink/log.hpp"

namespace soci {
class session;
} // namespace soci

namespace mink {

class command_client;
class projection_engine;
class runtime;
class service_metrics;
class sql_checkpoint_store;
struct service_config;

namespace http {
class worker_pool;
} // namespace http

/// How the kit's routes behave.
struct http_kit_config {
  /// The token of the administrative routes (`Authorization: Bearer`);
  /// empty turns them off (403). A secret: never logged.
  std::string admin_token;
  /// How long a query with `?position=N` waits for its read models
  /// before 504.
  std::chrono::milliseconds read_timeout{5000};
  /// Threads running read-model queries and store reads.
  size_t query_threads = 4;
  /// Queries waiting for a thread at most; more get 503.
  size_t max_queued_queries = 4096;
  /// The answers of the service's business errors.
  http::business_error_map business;
};

/// The kit's settings that `cfg` names (no business errors).
[[nodiscard]] http_kit_config to_kit_config(const service_config& cfg);

/// What a read-model query answers: a response, or an error answer.
using query_answer = std::variant<http::response, http::http_error>;

/// A read-model query, run on a query thread in a session of the database
/// that holds the read models.
using sql_query = std::function<query_answer(soci::session&)>;

/// The HTTP side every service on mink has, for the routes it registers:
/// commands answered from their reply (no thread waits), read-model
/// queries with `?position=N` read-your-writes, errors mapped from `errc`
/// and business errors, and the routes `GET /health`, `GET /metrics` and
/// `/admin/...` (see docs/http-api.md). Thread-safe; handlers never block.
class http_kit : public std::enable_shared_from_this<http_kit> {
public:
  /// `rt` runs its commands already (`runtime::start_commands`) and
  /// outlives the kit; `metrics` may be null (no `/metrics`).
  [[nodiscard]] static std::shared_ptr<http_kit>
  make(http_kit_config cfg, runtime& rt,
       std::shared_ptr<service_metrics> metrics, logger_ptr log);

  ~http_kit();

  /// Sends `env`; when its answer arrives, answers `status` with
  /// `{id, status?, version, position}` or the error's answer.
  void command(http::responder reply, command_envelope env, int status,
               std::string id, std::string status_text = {});

  /// A query on read models: with `?position=N`, waits (without a thread)
  /// until every projection in `projections` has applied position N
  /// (400 beyond the store's head, 504 after the read timeout); then runs
  /// `query` on a query thread and answers what it returns.
  void read(const http::request& req, http::responder reply,
            std::vector<std::string> projections, sql_query query);

  /// Runs `job` on a query thread, or answers 503 `overloaded` when too
  /// many wait.
  void blocking(const http::responder& reply, std::function<void()> job);

  /// Answers the error `err` maps to (business errors first).
  void send_error(const http::responder& reply, const caf::error& err) const;

  void send_error(const http::responder& reply,
                  const http::http_error& err) const;

  /// The HTTP answer of `err` (business errors first).
  [[nodiscard]] http::http_error to_http_error(const caf::error& err) const;

  /// Adds `GET /health`, `GET /metrics` (with metrics), the
  /// administrative routes: projections (list, pause, resume, reset,
  /// rebuild), dead letters (list, replay), snapshot purge, streams and
  /// their events; and the operator dashboard `GET /dashboard`
  /// (docs/dashboard.md).
  void add_standard_routes(http::router& r);

  /// A `server_config::on_answer` that logs each answer (method, route,
  /// status, time, correlation id; 5xx as warnings) and counts it in
  /// `metrics` (when set). Usable before the kit exists: a service binds
  /// its port before it starts the runtime.
  [[nodiscard]] static std::function<void(const http::request&,
                                         const http::response&, double)>
  answer_observer(std::shared_ptr<service_metrics> metrics, logger_ptr log);

  /// Stops the query threads: queued queries finish, later ones (and
  /// `?position=` waits that end later) get 503. Call it before the
  /// runtime stops.
  void stop();

private:
  http_kit(http_kit_config cfg, runtime& rt,
           std::shared_ptr<service_metrics> metrics, logger_ptr log);

  /// The answer of a query or admin route on a store without SQL.
  static http::http_error no_sql_store();

  /// The answer of a request that arrives while the kit stops.
  static http::http_error stopping();

  /// Answers `stopping()` (for routes whose kit is gone).
  static void send_stopping(const http::responder& reply);

  /// Raises the head known to exist (from a command answer or a store
  /// read): a `?position=` up to it needs no store read.
  void saw_position(int64_t position);

  void await(http::responder reply, int64_t position,
             std::shared_ptr<std::vector<std::string>> names, size_t next,
             std::function<void()> then);

  void run_query(http::responder reply, sql_query query);

  /// Runs `fn` on a query thread when the request carries the admin
  /// token; otherwise answers 401/403.
  void admin(const http::request& req, http::responder reply,
             std::function<query_answer()> fn);

  void add_admin_routes(http::router& r);

  void admin_projections(const http::request& req, http::responder reply);

  /// pause, resume, reset (`{"to": N}`), rebuild.
  void admin_projection(const http::request& req, http::responder reply,
                        const std::string& what);

  void admin_dead_letters(const http::request& req, http::responder reply);

  void admin_replay(const http::request& req, http::responder reply);

  void admin_purge_snapshots(const http::request& req, http::responder reply);

  /// `GET /admin/streams?after=&limit=&category=`: streams by id, paged.
  void admin_streams(const http::request& req, http::responder reply);

  /// `GET /admin/events?stream=&from=&limit=`: one stream's events with
  /// their data and metadata as JSON.
  void admin_stream_events(const http::request& req, http::responder reply);

  /// `GET /dashboard` (its stream routes are admin routes).
  void add_dashboard_routes(http::router& r);

  void health(http::responder reply);

  http_kit_config cfg_;
  runtime& rt_;
  std::shared_ptr<command_client> commands_;
  projection_engine& engine_;
  std::shared_ptr<sql_checkpoint_store> reads_;
  std::shared_ptr<service_metrics> metrics_;
  logger_ptr log_;
  std::shared_ptr<http::worker_pool> pool_;
  std::atomic<int64_t> known_head_{0};
  /// Set by `stop`: waits that end later answer 503 instead of touching the
  /// runtime, which stops next.
  std::atomic<bool> stopped_{false};
};

} // namespace mink
