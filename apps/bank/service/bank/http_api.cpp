#include "bank/http_api.hpp"

#include <memory>
#include <string>

#include "bank/http_api_detail.hpp"

namespace bank {

using detail::api;
using mink::http::request;
using mink::http::responder;

mink::http::router make_routes(std::shared_ptr<mink::http_kit> kit,
                               std::string prefix) {
  auto a = std::make_shared<api>(kit, std::move(prefix));
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
  kit->add_standard_routes(r);
  return r;
}

} // namespace bank
