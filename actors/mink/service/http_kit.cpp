#include "mink/service/http_kit.hpp"

#include <utility>

#include <spdlog/logger.h>

#include "mink/actors/command_client.hpp"
#include "mink/actors/projection_engine.hpp"
#include "mink/actors/runtime.hpp"
#include "mink/adapters/sql/sql_checkpoint_store.hpp"
#include "mink/errc.hpp"
#include "mink/http/json_body.hpp"
#include "mink/http/worker_pool.hpp"
#include "mink/projection/projection_state.hpp"
#include "mink/service/detail/kit_names.hpp"
#include "mink/service/service_config.hpp"
#include "mink/service/service_metrics.hpp"

namespace mink {

using namespace kit_names;

http_kit_config to_kit_config(const service_config& cfg) {
  http_kit_config out;
  out.admin_token = cfg.admin_token;
  out.read_timeout = std::chrono::milliseconds{cfg.read_timeout_ms};
  out.query_threads = cfg.query_threads;
  out.max_queued_queries = cfg.max_queued_queries;
  return out;
}

http_error http_kit::no_sql_store() {
  return http_error{501, "no_read_models",
                    "this service's store has no SQL database for read "
                    "models and checkpoints (memory:)"};
}

std::shared_ptr<http_kit> http_kit::make(http_kit_config cfg, runtime& rt,
                                         std::shared_ptr<service_metrics> metrics,
                                         logger_ptr log) {
  std::shared_ptr<http_kit> kit{
    new http_kit(std::move(cfg), rt, std::move(metrics), std::move(log))};
  return kit;
}

http_kit::http_kit(http_kit_config cfg, runtime& rt,
                   std::shared_ptr<service_metrics> metrics, logger_ptr log)
  : cfg_(std::move(cfg)),
    rt_(rt),
    commands_(rt.commands()),
    engine_(rt.projections()),
    reads_(rt.stores().sql),
    metrics_(std::move(metrics)),
    log_(or_default(std::move(log))),
    pool_(std::make_shared<http::worker_pool>(cfg_.query_threads,
                                              cfg_.max_queued_queries)) {
  if (auto head = rt.stores().events->last_position())
    known_head_ = *head;
}

http_kit::~http_kit() {
  stop();
}

void http_kit::stop() {
  stopped_ = true;
  pool_->stop();
}

http_error http_kit::stopping() {
  return http_error{503, "stopping", "the service is stopping"};
}

void http_kit::send_stopping(const responder& reply) {
  auto err = stopping();
  reply.error(err.status, err.code, err.message);
}

http_error http_kit::to_http_error(const caf::error& err) const {
  return http::to_http_error(err, cfg_.business);
}

void http_kit::send_error(const responder& reply, const caf::error& err) const {
  send_error(reply, to_http_error(err));
}

void http_kit::send_error(const responder& reply, const http_error& err) const {
  reply.error(err.status, err.code, err.message);
}

void http_kit::saw_position(int64_t position) {
  auto known = known_head_.load();
  while (position > known && !known_head_.compare_exchange_weak(known, position))
    ; // retry with the newer value
}

void http_kit::command(responder reply, command_envelope env, int status,
                       std::string id, std::string status_text) {
  if (!commands_)
    return send_error(reply, http_error{500, "internal_error",
                                        "the runtime runs no commands "
                                        "(start_commands was not called)"});
  auto self = shared_from_this();
  commands_->send(
    std::move(env),
    [self, reply = std::move(reply), status, id = std::move(id),
     status_text = std::move(status_text)](
      caf::expected<command_result> result) {
      if (!result)
        return self->send_error(reply, result.error());
      self->saw_position(result->position);
      reply(json_object(status, [&](json_writer& w) {
        put(w, "id", id);
        if (!status_text.empty())
          put(w, "status", status_text);
        put(w, "version", result->version);
        put(w, "position", result->position);
      }));
    });
}

void http_kit::blocking(const responder& reply, std::function<void()> job) {
  if (!pool_->post(std::move(job)))
    send_error(reply, http_error{503, "overloaded",
                                 "too many queries are waiting; try again"});
}

void http_kit::read(const request& req, responder reply,
                    std::vector<std::string> projections, sql_query query) {
  if (!req.query_param("position"))
    return run_query(std::move(reply), std::move(query));
  int64_t position = 0;
  if (auto err = http::query_int(req, "position", position, 0, INT64_MAX))
    return send_error(reply, *err);
  auto names = std::make_shared<std::vector<std::string>>(std::move(projections));
  auto self = shared_from_this();
  await(reply, position, std::move(names), 0,
        [self, reply, query = std::move(query)]() mutable {
          self->run_query(std::move(reply), std::move(query));
        });
}

void http_kit::await(responder reply, int64_t position,
                     std::shared_ptr<std::vector<std::string>> names,
                     size_t next, std::function<void()> then) {
  auto self = shared_from_this();
  if (position > known_head_.load()) {
    // Beyond what this process knows: ask the store (another process may
    // have written it). Beyond the store's head is an error at once, not a
    // wait that cannot end well.
    return blocking(reply, [self, reply, position, names, next,
                            then = std::move(then)]() mutable {
      auto head = self->rt_.stores().events->last_position();
      if (!head)
        return self->send_error(reply, head.error());
      self->saw_position(*head);
      if (position > *head)
        return self->send_error(
          reply, http_error{400, "position_beyond_head",
                            "position " + std::to_string(position)
                              + " is beyond the store's last position "
                              + std::to_string(*head)});
      self->await(std::move(reply), position, std::move(names), next,
                  std::move(then));
    });
  }
  if (next == names->size())
    return then();
  if (stopped_)
    return send_error(reply, stopping());
  engine_.when_reached(
    (*names)[next], position, cfg_.read_timeout,
    [self, reply, position, names, next,
     then = std::move(then)](caf::error err) mutable {
      if (!err)
        return self->await(std::move(reply), position, std::move(names),
                           next + 1, std::move(then));
      if (code_of(err) == errc::timeout)
        return self->send_error(
          reply, http_error{504, "timeout",
                            "read model " + (*names)[next]
                              + " did not reach position "
                              + std::to_string(position) + " in time"});
      self->send_error(reply, err);
    });
}

void http_kit::run_query(responder reply, sql_query query) {
  if (!reads_)
    return send_error(reply, no_sql_store());
  auto self = shared_from_this();
  blocking(reply, [self, reply, query = std::move(query)] {
    query_answer answer;
    auto err = self->reads_->run([&](soci::session& sql) -> caf::error {
      answer = query(sql);
      return {};
    });
    if (err)
      return self->send_error(reply, err);
    if (auto* fail = std::get_if<http_error>(&answer))
      return self->send_error(reply, *fail);
    reply(std::get<response>(std::move(answer)));
  });
}

std::function<void(const request&, const response&, double)>
http_kit::answer_observer(std::shared_ptr<service_metrics> metrics,
                          logger_ptr log) {
  log = or_default(std::move(log));
  return [metrics, log](const request& req, const response& res,
                        double secs) {
    if (metrics)
      metrics->observe_request(req.route, res.status, secs);
    auto level = res.status >= 500 ? spdlog::level::warn : spdlog::level::info;
    if (!log->should_log(level))
      return;
    log->log(level,
             "http method={} route={} path={} status={} ms={:.2f} "
             "correlation_id={}",
             req.method, req.route, req.path, res.status, secs * 1000,
             req.correlation_id);
  };
}

void http_kit::add_standard_routes(http::router& r) {
  std::weak_ptr<http_kit> weak = shared_from_this();
  r.add("GET", "/health", [weak](const request&, responder reply) {
    if (auto self = weak.lock())
      self->health(std::move(reply));
    else
      send_stopping(reply);
  });
  if (metrics_)
    r.add("GET", "/metrics", [m = metrics_](const request&, responder reply) {
      response res;
      res.content_type = service_metrics::content_type;
      res.body = m->render();
      reply(std::move(res));
    });
  add_admin_routes(r);
  add_dashboard_routes(r);
}

void http_kit::health(responder reply) {
  auto self = shared_from_this();
  blocking(reply, [self, reply] {
    auto report = self->rt_.health();
    auto reason = report.reason();
    auto statuses = self->engine_.statuses();
    reply(json_object(reason.empty() ? 200 : 503, [&](json_writer& w) {
      put(w, "status", std::string{reason.empty() ? "ok" : "unavailable"});
      if (!reason.empty())
        put(w, "reason", reason);
      put(w, "position", report.position);
      w.Key("checks");
      w.StartObject();
      for (const auto& check : report.checks) {
        w.Key(check.name.c_str());
        w.StartObject();
        http::put_bool(w, "healthy", check.healthy);
        put(w, "detail", check.detail);
        w.EndObject();
      }
      w.EndObject();
      w.Key("projections");
      w.StartObject();
      for (const auto& st : statuses) {
        w.Key(st->name().c_str());
        w.StartObject();
        put(w, "state", std::string{to_string(st->state())});
        put(w, "position", st->position());
        put(w, "lag_events", st->lag_events());
        w.Key("lag_seconds");
        w.Double(st->lag_seconds());
        w.EndObject();
      }
      w.EndObject();
    }));
  });
}

} // namespace mink
