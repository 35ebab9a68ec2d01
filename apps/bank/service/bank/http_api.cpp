#include "bank/http_api.hpp"

#include <chrono>
#include <exception>
#include <memory>
#include <string>

#include <httplib.h>

#include "bank/http_api_detail.hpp"
#include "bank/http_errors.hpp"
#include "mink/uuid.hpp"

namespace bank {

using detail::api;
using detail::current;
using detail::request_scope;
using detail::scope;
using detail::send_error;
using detail::send_json;
using detail::valid_correlation_id;

void install_routes(httplib::Server& srv, std::shared_ptr<api_context> ctx) {
  auto a = std::make_shared<api>(ctx);
  auto route = [a](const char* name, auto fn) {
    return [a, name, fn](const httplib::Request& req, httplib::Response& res) {
      current();
      scope.route = name;
      (a.get()->*fn)(req, res);
    };
  };
  srv.set_payload_max_length(ctx->cfg.body_limit);
  srv.set_pre_routing_handler(
    [](const httplib::Request& req, httplib::Response& res) {
      scope = request_scope{};
      scope.started = true;
      scope.t0 = std::chrono::steady_clock::now();
      auto id = req.get_header_value("X-Correlation-Id");
      scope.correlation_id = valid_correlation_id(id) ? id : mink::make_uuid();
      res.set_header("X-Correlation-Id", scope.correlation_id);
      return httplib::Server::HandlerResponse::Unhandled;
    });
  srv.set_error_handler(httplib::Server::HandlerWithResponse{
    [](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty())
      return httplib::Server::HandlerResponse::Unhandled;
    http_error err{res.status, "error", "the request failed"};
    if (res.status == 404)
      err = {404, "not_found", "no route for " + req.method + " " + req.path};
    else if (res.status == 413)
      err = {413, "payload_too_large", "the body is larger than the limit"};
    else if (res.status == 400)
      err = {400, "bad_request", "the HTTP request is malformed"};
    if (!res.has_header("X-Correlation-Id"))
      res.set_header("X-Correlation-Id", current().correlation_id);
    send_json(res, err.status, error_json(err, current().correlation_id));
    return httplib::Server::HandlerResponse::Handled;
  }});
  srv.set_exception_handler([ctx](const httplib::Request&,
                                  httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep)
        std::rethrow_exception(ep);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
      // keep the default text
    }
    ctx->log->error("handler threw: {} correlation_id={}", what,
                    current().correlation_id);
    send_error(res, http_error{500, "internal_error", "the request failed"});
  });
  srv.set_logger([ctx](const httplib::Request& req,
                       const httplib::Response& res) {
    const auto& sc = current();
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                              - sc.t0)
                  .count();
    ctx->metrics->observe_request(sc.route, res.status, secs);
    auto level = res.status >= 500 ? spdlog::level::warn : spdlog::level::info;
    ctx->log->log(level,
                  "http method={} route={} path={} status={} ms={:.2f} "
                  "correlation_id={}",
                  req.method, sc.route, req.path, res.status, secs * 1000,
                  sc.correlation_id);
    scope = request_scope{};
  });
  srv.Post("/accounts", route("POST /accounts", &api::post_account));
  srv.Post(R"(/accounts/([^/]+)/deposit)",
           [a](const httplib::Request& req, httplib::Response& res) {
             current();
             scope.route = "POST /accounts/{id}/deposit";
             a->account_command(req, res, "deposit");
           });
  srv.Post(R"(/accounts/([^/]+)/withdraw)",
           [a](const httplib::Request& req, httplib::Response& res) {
             current();
             scope.route = "POST /accounts/{id}/withdraw";
             a->account_command(req, res, "withdraw");
           });
  srv.Post(R"(/accounts/([^/]+)/close)",
           [a](const httplib::Request& req, httplib::Response& res) {
             current();
             scope.route = "POST /accounts/{id}/close";
             a->account_command(req, res, "close");
           });
  srv.Get(R"(/accounts/([^/]+))",
          route("GET /accounts/{id}", &api::get_account));
  srv.Get(R"(/accounts/([^/]+)/history)",
          route("GET /accounts/{id}/history", &api::get_history));
  srv.Get("/total", route("GET /total", &api::get_total));
  srv.Post("/transfers", route("POST /transfers", &api::start_transfer));
  srv.Get(R"(/transfers/([^/]+))",
          route("GET /transfers/{id}", &api::get_transfer));
  srv.Get("/health", route("GET /health", &api::health));
  srv.Get("/metrics", route("GET /metrics", &api::metrics));
}

} // namespace bank
