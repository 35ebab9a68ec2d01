#pragma once

// Internal to the HTTP API (http_api*.cpp): the request and answer helpers
// and the handlers that the routes call.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <caf/error.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <soci/soci.h>

#include "bank/commands.hpp"
#include "bank/http_api.hpp"
#include "bank/http_errors.hpp"
#include "mink/command/command.hpp"
#include "mink/http/message.hpp"
#include "mink/http/responder.hpp"
#include "mink/metadata.hpp"

namespace bank::detail {

using mink::http::request;
using mink::http::responder;
using mink::http::response;
using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;

/// What a read-model query answers: a response, or an error answer (which
/// gets the request's correlation id).
using query_answer = std::variant<response, http_error>;

/// A read-model query; runs on the blocking pool.
using query_fn = std::function<query_answer(soci::session&)>;

// -- answers (http_api_support.cpp) -------------------------------------------

/// A JSON answer.
response json(int status, std::string body);

/// An error answer of `err` for the request of `reply`.
void send_error(const responder& reply, const http_error& err);

void send_error(const responder& reply, const caf::error& err);

/// A JSON object answer; `f` writes its members.
template <class F>
response object(int status, F f) {
  rapidjson::StringBuffer buf;
  writer_t w{buf};
  w.StartObject();
  f(w);
  w.EndObject();
  return json(status, std::string{buf.GetString(), buf.GetSize()});
}

void put(writer_t& w, const char* key, const std::string& x);

void put(writer_t& w, const char* key, int64_t x);

// -- requests (http_api_support.cpp) ------------------------------------------

/// The id in the path (the route's first `{id}`): 400 `invalid_id` when it
/// is not 1 to 64 characters of [A-Za-z0-9_-]; `what` names the kind of id.
std::optional<http_error> path_id(const request& req, const std::string& what,
                                  std::string& id);

/// Parses `body` as a JSON object into `doc`; an empty body is `{}` when
/// `allow_empty`. Iterative parsing: deep nesting cannot exhaust the stack.
/// A key given twice is refused (which one would count is not obvious).
std::optional<http_error> parse_object(const std::string& body,
                                       rapidjson::Document& doc,
                                       bool allow_empty = false);

std::optional<http_error> get_string(const rapidjson::Document& doc,
                                     const char* key, std::string& out,
                                     bool required = true);

std::optional<http_error> get_id(const rapidjson::Document& doc,
                                 const char* key, std::string& out,
                                 bool required = true);

std::optional<http_error> get_amount(const rapidjson::Document& doc,
                                     int64_t& out);

std::optional<int64_t> parse_int(const std::string& x);

// -- the handlers -------------------------------------------------------------

/// The handlers of the routes: commands in http_api_commands.cpp, queries,
/// health and metrics in http_api_queries.cpp. None of them blocks: commands
/// answer from the command's reply, queries run on the blocking pool.
class api {
public:
  explicit api(std::shared_ptr<api_context> ctx) : ctx_(std::move(ctx)) {}

  // -- commands ---------------------------------------------------------------


  /// Sends `env` and answers `{id, version, position}` (and `extra`) with
  /// `status` once the command's answer arrives.
  void command(responder reply, mink::command_envelope env, int status,
               std::string id, std::string status_text = {});

  void post_account(const request& req, responder reply);

  /// deposit, withdraw and close.
  void account_command(const request& req, responder reply,
                       const std::string& what);

  void start_transfer(const request& req, responder reply);

  // -- queries ----------------------------------------------------------------

  /// A query on read models: waits (without a thread) for the read models
  /// in `names` to reach `?position=N` when it is given, then runs `query`
  /// on the blocking pool and answers what it returns.
  void read(const request& req, responder reply,
            std::initializer_list<const char*> names,
            query_fn query);

  void get_account(const request& req, responder reply);

  void get_history(const request& req, responder reply);

  void get_total(const request& req, responder reply);

  void get_transfer(const request& req, responder reply);

  void health(const request& req, responder reply);

  void metrics(const request& req, responder reply);

  // -- administration (http_api_admin.cpp) ------------------------------------

  /// Runs `fn` on the blocking pool when the request carries the admin
  /// token; otherwise answers 401/403.
  void admin(const request& req, responder reply,
             std::function<query_answer()> fn);

  void admin_projections(const request& req, responder reply);

  /// pause, resume, reset (`{"to": N}`), rebuild.
  void admin_projection(const request& req, responder reply,
                        const std::string& what);

  void admin_dead_letters(const request& req, responder reply);

  void admin_replay(const request& req, responder reply);

  void admin_purge_snapshots(const request& req, responder reply);

private:
  /// Runs `job` on the blocking pool, or answers 503 when it is full.
  void blocking(const responder& reply, std::function<void()> job);

  /// Checks `position` against the store's head (reading it when it is
  /// beyond the known head), then waits for each of `names` in turn.
  void await(responder reply, int64_t position,
             std::shared_ptr<std::vector<std::string>> names, size_t next,
             std::function<void()> then);

  /// Runs `query` on the pool and answers.
  void run_query(responder reply,
                 query_fn query);

  std::shared_ptr<api_context> ctx_;
};

} // namespace bank::detail
