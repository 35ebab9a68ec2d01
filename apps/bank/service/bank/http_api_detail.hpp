#pragma once

// Internal to the HTTP API (http_api*.cpp): the request scope, the request
// and answer helpers, and the handlers that the routes call.

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include <caf/error.hpp>
#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <soci/soci.h>

#include "bank/commands.hpp"
#include "bank/http_api.hpp"
#include "bank/http_errors.hpp"
#include "mink/command/command.hpp"
#include "mink/metadata.hpp"

namespace bank::detail {

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;

// -- the request scope (http_api_support.cpp) ---------------------------------

/// What one request carries through the handlers on its thread (httplib
/// serves a request on one thread from start to end).
struct request_scope {
  bool started = false;
  std::chrono::steady_clock::time_point t0;
  std::string correlation_id;
  std::string route = "unmatched";
};

extern thread_local request_scope scope;

/// The scope of the request on this thread, started on first use.
const request_scope& current();

bool valid_correlation_id(const std::string& x);

// -- answers (http_api_support.cpp) -------------------------------------------

void send_json(httplib::Response& res, int status, const std::string& body);

void send_error(httplib::Response& res, const http_error& err);

void send_error(httplib::Response& res, const caf::error& err);

void bad_request(httplib::Response& res, std::string code, std::string msg);

/// Reads the id in the request path into `id`. Answers 400 `invalid_id`
/// and returns false when it is not 1 to 64 characters of [A-Za-z0-9_-];
/// `what` names the kind of id (`account`, `transfer`).
bool path_id(const httplib::Request& req, httplib::Response& res,
             const std::string& what, std::string& id);

/// Starts a JSON object answer; `f` writes its members.
template <class F>
void send_object(httplib::Response& res, int status, F f) {
  rapidjson::StringBuffer buf;
  writer_t w{buf};
  w.StartObject();
  f(w);
  w.EndObject();
  send_json(res, status, std::string{buf.GetString(), buf.GetSize()});
}

void put(writer_t& w, const char* key, const std::string& x);

void put(writer_t& w, const char* key, int64_t x);

// -- request bodies (http_api_support.cpp) ------------------------------------

/// Parses `body` as a JSON object into `doc`; an empty body is `{}` when
/// `allow_empty`. Iterative parsing: deep nesting cannot exhaust the stack.
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
/// health and metrics in http_api_queries.cpp.
class api {
public:
  explicit api(std::shared_ptr<api_context> ctx) : ctx_(std::move(ctx)) {}

  // -- commands ---------------------------------------------------------------

  /// The command metadata and id of a request; false (with the answer
  /// sent) when its Idempotency-Key is not a UUID.
  bool command_meta(const httplib::Request& req, httplib::Response& res,
                    mink::metadata& meta, std::string& command_id);

  void command(httplib::Response& res, mink::command_envelope env,
               int status, const std::string& id);

  void post_account(const httplib::Request& req, httplib::Response& res);

  /// deposit, withdraw and close.
  void account_command(const httplib::Request& req, httplib::Response& res,
                       const std::string& what);

  void start_transfer(const httplib::Request& req, httplib::Response& res);

  // -- queries ----------------------------------------------------------------

  /// Waits for the read models in `names` to reach `?position=N`; false
  /// (with the answer sent) on a bad parameter or a timeout.
  bool await(const httplib::Request& req, httplib::Response& res,
             std::initializer_list<const char*> names);

  /// Runs a read-model query; false (with the answer sent) on failure.
  bool query(httplib::Response& res,
             const std::function<void(soci::session&)>& f);

  void get_account(const httplib::Request& req, httplib::Response& res);

  void get_history(const httplib::Request& req, httplib::Response& res);

  void get_total(const httplib::Request& req, httplib::Response& res);

  void get_transfer(const httplib::Request& req, httplib::Response& res);

  void health(const httplib::Request&, httplib::Response& res);

  void metrics(const httplib::Request&, httplib::Response& res);

private:
  using account_command_t = bank::account_command;

  std::shared_ptr<api_context> ctx_;
};

} // namespace bank::detail
