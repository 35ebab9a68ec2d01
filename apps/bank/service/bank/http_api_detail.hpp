#pragma once

// Internal to the HTTP API (http_api*.cpp): the handlers of the bank's
// routes, on mink's service kit.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <rapidjson/document.h>

#include "mink/http/json_body.hpp"
#include "mink/http/message.hpp"
#include "mink/http/responder.hpp"
#include "mink/service/http_kit.hpp"

namespace bank::detail {

using mink::http::http_error;
using mink::http::json_object;
using mink::http::json_writer;
using mink::http::put;
using mink::http::put_objects;
using mink::http::request;
using mink::http::responder;
using mink::query_answer;

/// The handlers of the bank's routes: commands in http_api_commands.cpp,
/// queries in http_api_queries.cpp. None of them blocks: commands answer
/// from the command's reply, queries run on the kit's query threads.
class api {
public:
  api(std::shared_ptr<mink::http_kit> kit, std::string prefix)
    : kit_(std::move(kit)), prefix_(std::move(prefix)) {
    // nop
  }

  // -- commands ---------------------------------------------------------------

  void post_account(const request& req, responder reply);

  /// deposit, withdraw and close.
  void account_command(const request& req, responder reply,
                       const std::string& what);

  void start_transfer(const request& req, responder reply);

  // -- queries ----------------------------------------------------------------

  void get_account(const request& req, responder reply);

  void get_history(const request& req, responder reply);

  void get_total(const request& req, responder reply);

  void get_transfer(const request& req, responder reply);

private:
  std::shared_ptr<mink::http_kit> kit_;
  /// Prefix of the read model tables (`schema.` or empty).
  std::string prefix_;
};

} // namespace bank::detail
