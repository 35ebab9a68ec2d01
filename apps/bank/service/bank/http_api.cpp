#include "bank/http_api.hpp"

#include <chrono>
#include <memory>
#include <string>

#include "bank/http_api_detail.hpp"

namespace bank {

using detail::api;
using mink::http::request;
using mink::http::responder;

mink::http::router make_routes(std::shared_ptr<api_context> ctx) {
  auto a = std::make_shared<api>(ctx);
  mink::http::router r;
  auto route = [&r, a](const char* method, const char* pattern, auto fn) {
    r.add(method, pattern, [a, fn](const request& req, responder reply) {
      (a.get()->*fn)(req, std::move(reply));
    });
  };
  auto account_route = [&r, a](const char* pattern, std::string what) {
    r.add("POST", pattern, [a, what](const request& req, responder reply) {
      a->account_command(req, std::move(reply), what);
    });
  };
  route("POST", "/accounts", &api::post_account);
  account_route("/accounts/{id}/deposit", "deposit");
  account_route("/accounts/{id}/withdraw", "withdraw");
  account_route("/accounts/{id}/close", "close");
  route("GET", "/accounts/{id}", &api::get_account);
  route("GET", "/accounts/{id}/history", &api::get_history);
  route("GET", "/total", &api::get_total);
  route("POST", "/transfers", &api::start_transfer);
  route("GET", "/transfers/{id}", &api::get_transfer);
  route("GET", "/health", &api::health);
  route("GET", "/metrics", &api::metrics);
  route("GET", "/admin/projections", &api::admin_projections);
  for (const char* what : {"pause", "resume", "reset", "rebuild"})
    r.add("POST", std::string{"/admin/projections/{name}/"} + what,
          [a, w = std::string{what}](const request& req, responder reply) {
            a->admin_projection(req, std::move(reply), w);
          });
  route("GET", "/admin/projections/{name}/dead-letters", &api::admin_dead_letters);
  route("POST", "/admin/projections/{name}/dead-letters/{position}/replay",
        &api::admin_replay);
  route("POST", "/admin/snapshots/purge", &api::admin_purge_snapshots);
  return r;
}

mink::http::server_config make_server_config(std::shared_ptr<api_context> ctx) {
  const auto& cfg = ctx->cfg;
  mink::http::server_config out;
  out.address = cfg.listen_address;
  out.port = cfg.port;
  out.threads = cfg.http_threads;
  out.body_limit = cfg.body_limit;
  out.max_connections = cfg.max_connections;
  out.header_timeout = std::chrono::milliseconds{cfg.header_timeout_ms};
  out.idle_timeout = std::chrono::milliseconds{cfg.idle_timeout_ms};
  out.max_header_bytes = cfg.max_header_bytes;
  out.max_header_count = cfg.max_header_count;
  // Requests in flight may wait for their command's timeout.
  out.drain_timeout = std::chrono::milliseconds{cfg.command_timeout_ms + 2000};
  std::weak_ptr<api_context> weak = ctx;
  out.on_answer = [weak](const request& req,
                         const mink::http::response& res, double secs) {
    auto c = weak.lock();
    if (!c)
      return;
    c->metrics->observe_request(req.route, res.status, secs);
    auto level = res.status >= 500 ? spdlog::level::warn : spdlog::level::info;
    if (!c->log->should_log(level))
      return;
    c->log->log(level,
                "http method={} route={} path={} status={} ms={:.2f} "
                "correlation_id={}",
                req.method, req.route, req.path, res.status, secs * 1000,
                req.correlation_id);
  };
  return out;
}

} // namespace bank
