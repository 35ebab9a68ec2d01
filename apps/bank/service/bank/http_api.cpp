#include "bank/http_api.hpp"

#include <charconv>
#include <optional>

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <soci/soci.h>

#include "bank/commands.hpp"
#include "bank/http_errors.hpp"
#include "bank/projections.hpp"
#include "mink/errc.hpp"
#include "mink/projection/projection_state.hpp"
#include "mink/uuid.hpp"

namespace bank {

namespace {

using writer_t = rapidjson::Writer<rapidjson::StringBuffer>;

/// What one request carries through the handlers on its thread (httplib
/// serves a request on one thread from start to end).
struct request_scope {
  bool started = false;
  std::chrono::steady_clock::time_point t0;
  std::string correlation_id;
  std::string route = "unmatched";
};

thread_local request_scope scope;

const request_scope& current() {
  if (!scope.started) {
    scope.started = true;
    scope.t0 = std::chrono::steady_clock::now();
    scope.correlation_id = mink::make_uuid();
  }
  return scope;
}

bool valid_correlation_id(const std::string& x) {
  if (x.empty() || x.size() > 128)
    return false;
  for (unsigned char c : x)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
}

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void send_error(httplib::Response& res, const http_error& err) {
  send_json(res, err.status, error_json(err, current().correlation_id));
}

void send_error(httplib::Response& res, const caf::error& err) {
  send_error(res, to_http_error(err));
}

void bad_request(httplib::Response& res, std::string code, std::string msg) {
  send_error(res, http_error{400, std::move(code), std::move(msg)});
}

/// Reads the id in the request path into `id`. Answers 400 `invalid_id`
/// and returns false when it is not 1 to 64 characters of [A-Za-z0-9_-];
/// `what` names the kind of id (`account`, `transfer`).
bool path_id(const httplib::Request& req, httplib::Response& res,
             const std::string& what, std::string& id) {
  id = req.matches[1].str();
  if (valid_id(id))
    return true;
  bad_request(res, "invalid_id",
              what + " ids are 1 to 64 characters of [A-Za-z0-9_-]");
  return false;
}

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

void put(writer_t& w, const char* key, const std::string& x) {
  w.Key(key);
  w.String(x.data(), static_cast<rapidjson::SizeType>(x.size()));
}

void put(writer_t& w, const char* key, int64_t x) {
  w.Key(key);
  w.Int64(x);
}

// -- request bodies -----------------------------------------------------------

/// Parses `body` as a JSON object into `doc`; an empty body is `{}` when
/// `allow_empty`. Iterative parsing: deep nesting cannot exhaust the stack.
std::optional<http_error> parse_object(const std::string& body,
                                       rapidjson::Document& doc,
                                       bool allow_empty = false) {
  if (body.empty() && allow_empty) {
    doc.SetObject();
    return std::nullopt;
  }
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
    body.data(), body.size());
  if (doc.HasParseError())
    return http_error{400, "malformed_json",
                      std::string{"the body is not valid JSON: "}
                        + rapidjson::GetParseError_En(doc.GetParseError())
                        + " at offset " + std::to_string(doc.GetErrorOffset())};
  if (!doc.IsObject())
    return http_error{400, "malformed_json", "the body must be a JSON object"};
  return std::nullopt;
}

std::optional<http_error> get_string(const rapidjson::Document& doc,
                                     const char* key, std::string& out,
                                     bool required = true) {
  auto i = doc.FindMember(key);
  if (i == doc.MemberEnd()) {
    if (!required)
      return std::nullopt;
    return http_error{400, "missing_field",
                      std::string{"field '"} + key + "' is missing"};
  }
  if (!i->value.IsString())
    return http_error{400, "invalid_field",
                      std::string{"field '"} + key + "' must be a string"};
  out.assign(i->value.GetString(), i->value.GetStringLength());
  return std::nullopt;
}

std::optional<http_error> get_id(const rapidjson::Document& doc,
                                 const char* key, std::string& out,
                                 bool required = true) {
  if (auto err = get_string(doc, key, out, required))
    return err;
  if ((required || !out.empty()) && !valid_id(out))
    return http_error{400, "invalid_field",
                      std::string{"field '"} + key
                        + "' must be 1 to 64 characters of [A-Za-z0-9_-]"};
  return std::nullopt;
}

std::optional<http_error> get_amount(const rapidjson::Document& doc,
                                     int64_t& out) {
  auto i = doc.FindMember("amount");
  if (i == doc.MemberEnd())
    return http_error{400, "missing_field", "field 'amount' is missing"};
  if (!i->value.IsInt64())
    return http_error{400, "invalid_field",
                      "field 'amount' must be an integer (cents) that fits "
                      "in 64 bits"};
  out = i->value.GetInt64();
  return std::nullopt;
}

std::optional<int64_t> parse_int(const std::string& x) {
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(x.data(), x.data() + x.size(), out);
  if (ec != std::errc{} || ptr != x.data() + x.size() || x.empty())
    return std::nullopt;
  return out;
}

// -- the handlers -------------------------------------------------------------

class api {
public:
  explicit api(std::shared_ptr<api_context> ctx) : ctx_(std::move(ctx)) {}

  /// The command metadata and id of a request; false (with the answer
  /// sent) when its Idempotency-Key is not a UUID.
  bool command_meta(const httplib::Request& req, httplib::Response& res,
                    mink::metadata& meta, std::string& command_id) {
    meta.correlation_id = current().correlation_id;
    command_id = req.get_header_value("Idempotency-Key");
    if (command_id.empty()) {
      command_id = mink::make_uuid();
    } else if (!mink::is_uuid(command_id)) {
      bad_request(res, "invalid_header", "Idempotency-Key must be a UUID");
      return false;
    }
    return true;
  }

  /// Waits for the read models in `names` to reach `?position=N`; false
  /// (with the answer sent) on a bad parameter or a timeout.
  bool await(const httplib::Request& req, httplib::Response& res,
             std::initializer_list<const char*> names) {
    if (!req.has_param("position"))
      return true;
    auto pos = parse_int(req.get_param_value("position"));
    if (!pos || *pos < 0) {
      bad_request(res, "invalid_parameter",
                  "position must be a non-negative integer");
      return false;
    }
    auto timeout = std::chrono::milliseconds{ctx_->cfg.read_timeout_ms};
    for (auto name : names) {
      if (auto err = ctx_->engine->wait_for(name, *pos, timeout)) {
        if (mink::code_of(err) == mink::errc::timeout) {
          send_error(res, http_error{504, "timeout",
                                     std::string{"read model "} + name
                                       + " did not reach position "
                                       + std::to_string(*pos) + " in time"});
        } else {
          send_error(res, err);
        }
        return false;
      }
    }
    return true;
  }

  void command(httplib::Response& res, mink::command_envelope env,
               int status, const std::string& id) {
    auto result = ctx_->commands->send(std::move(env));
    if (!result) {
      send_error(res, result.error());
      return;
    }
    send_object(res, status, [&](writer_t& w) {
      put(w, "id", id);
      put(w, "version", result->version);
      put(w, "position", result->position);
    });
  }

  void post_account(const httplib::Request& req, httplib::Response& res) {
    rapidjson::Document doc;
    std::string owner;
    std::string id;
    if (auto err = parse_object(req.body, doc))
      return send_error(res, *err);
    if (auto err = get_string(doc, "owner", owner))
      return send_error(res, *err);
    if (auto err = get_id(doc, "id", id, false))
      return send_error(res, *err);
    if (id.empty())
      id = mink::make_uuid();
    mink::metadata meta;
    std::string cid;
    if (!command_meta(req, res, meta, cid))
      return;
    command(res, make_command(id, bank::open_account{owner}, cid, meta), 201, id);
  }

  /// deposit, withdraw and close.
  void account_command(const httplib::Request& req, httplib::Response& res,
                       const std::string& what) {
    std::string id;
    if (!path_id(req, res, "account", id))
      return;
    rapidjson::Document doc;
    if (auto err = parse_object(req.body, doc, what == "close"))
      return send_error(res, *err);
    account_command_t cmd;
    if (what == "close") {
      cmd = close_account{};
    } else {
      int64_t amount = 0;
      if (auto err = get_amount(doc, amount))
        return send_error(res, *err);
      if (what == "deposit")
        cmd = deposit{amount};
      else
        cmd = withdraw{amount};
    }
    mink::metadata meta;
    std::string cid;
    if (!command_meta(req, res, meta, cid))
      return;
    command(res, make_command(id, std::move(cmd), cid, meta), 200, id);
  }

  void start_transfer(const httplib::Request& req, httplib::Response& res) {
    rapidjson::Document doc;
    std::string from;
    std::string to;
    std::string id;
    int64_t amount = 0;
    if (auto err = parse_object(req.body, doc))
      return send_error(res, *err);
    if (auto err = get_id(doc, "from", from))
      return send_error(res, *err);
    if (auto err = get_id(doc, "to", to))
      return send_error(res, *err);
    if (auto err = get_amount(doc, amount))
      return send_error(res, *err);
    if (auto err = get_id(doc, "id", id, false))
      return send_error(res, *err);
    if (id.empty())
      id = mink::make_uuid();
    mink::metadata meta;
    std::string cid;
    if (!command_meta(req, res, meta, cid))
      return;
    auto result = ctx_->commands->send(
      make_command(id, initiate_transfer{from, to, amount}, cid, meta));
    if (!result)
      return send_error(res, result.error());
    send_object(res, 202, [&](writer_t& w) {
      put(w, "id", id);
      put(w, "status", std::string{"initiated"});
      put(w, "version", result->version);
      put(w, "position", result->position);
    });
  }

  /// Runs a read-model query; false (with the answer sent) on failure.
  bool query(httplib::Response& res,
             const std::function<void(soci::session&)>& f) {
    auto err = ctx_->reads->run([&](soci::session& sql) -> caf::error {
      f(sql);
      return {};
    });
    if (err) {
      send_error(res, err);
      return false;
    }
    return true;
  }

  void get_account(const httplib::Request& req, httplib::Response& res) {
    std::string id;
    if (!path_id(req, res, "account", id))
      return;
    if (!await(req, res, {accounts_projection_name}))
      return;
    std::string owner;
    std::string status;
    long long balance = 0;
    long long version = 0;
    soci::indicator ind = soci::i_null;
    if (!query(res, [&](soci::session& sql) {
          sql << "SELECT owner, status, balance, version FROM " + ctx_->prefix
                   + "bank_accounts WHERE id = :id",
            soci::use(id), soci::into(owner, ind), soci::into(status),
            soci::into(balance), soci::into(version);
        }))
      return;
    if (ind == soci::i_null)
      return send_error(res, http_error{404, "account_not_found",
                                        "no account with this id"});
    send_object(res, 200, [&](writer_t& w) {
      put(w, "id", id);
      put(w, "owner", owner);
      put(w, "status", status);
      put(w, "balance", balance);
      put(w, "version", version);
    });
  }

  void get_history(const httplib::Request& req, httplib::Response& res) {
    std::string id;
    if (!path_id(req, res, "account", id))
      return;
    long long after = 0;
    long long limit = 100;
    if (req.has_param("after")) {
      auto x = parse_int(req.get_param_value("after"));
      if (!x || *x < 0)
        return bad_request(res, "invalid_parameter",
                           "after must be a non-negative integer");
      after = *x;
    }
    if (req.has_param("limit")) {
      auto x = parse_int(req.get_param_value("limit"));
      if (!x || *x < 1 || *x > 1000)
        return bad_request(res, "invalid_parameter",
                           "limit must be an integer from 1 to 1000");
      limit = *x;
    }
    if (!await(req, res, {accounts_projection_name}))
      return;
    struct entry {
      long long version;
      long long position;
      std::string kind;
      long long amount;
      std::string transfer_id;
      long long balance;
      long long at_us;
    };
    std::vector<entry> entries;
    bool exists = false;
    if (!query(res, [&](soci::session& sql) {
          long long n = 0;
          sql << "SELECT COUNT(*) FROM " + ctx_->prefix
                   + "bank_accounts WHERE id = :id",
            soci::use(id), soci::into(n);
          exists = n > 0;
          entry e;
          soci::statement st
            = (sql.prepare << "SELECT version, position, kind, amount, "
                              "transfer_id, balance, at_us FROM "
                                + ctx_->prefix
                                + "bank_history WHERE account = :id AND "
                                  "version > :after ORDER BY version LIMIT :l",
               soci::use(id), soci::use(after), soci::use(limit),
               soci::into(e.version), soci::into(e.position),
               soci::into(e.kind), soci::into(e.amount),
               soci::into(e.transfer_id), soci::into(e.balance),
               soci::into(e.at_us));
          st.execute();
          while (st.fetch())
            entries.push_back(e);
        }))
      return;
    if (!exists)
      return send_error(res, http_error{404, "account_not_found",
                                        "no account with this id"});
    send_object(res, 200, [&](writer_t& w) {
      put(w, "id", id);
      w.Key("entries");
      w.StartArray();
      for (const auto& e : entries) {
        w.StartObject();
        put(w, "version", e.version);
        put(w, "position", e.position);
        put(w, "kind", e.kind);
        put(w, "amount", e.amount);
        if (!e.transfer_id.empty())
          put(w, "transfer_id", e.transfer_id);
        put(w, "balance", e.balance);
        put(w, "at_us", e.at_us);
        w.EndObject();
      }
      w.EndArray();
    });
  }

  void get_total(const httplib::Request& req, httplib::Response& res) {
    if (!await(req, res, {totals_projection_name, accounts_projection_name}))
      return;
    long long deposits = 0;
    long long withdrawals = 0;
    long long in_transit = 0;
    long long accounts = 0;
    long long sum = 0;
    if (!query(res, [&](soci::session& sql) {
          soci::indicator ind = soci::i_null;
          sql << "SELECT deposits, withdrawals, in_transit, accounts FROM "
                   + ctx_->prefix + "bank_totals WHERE id = 1",
            soci::into(deposits, ind), soci::into(withdrawals),
            soci::into(in_transit), soci::into(accounts);
          sql << "SELECT COALESCE(SUM(balance), 0) FROM " + ctx_->prefix
                   + "bank_accounts",
            soci::into(sum);
        }))
      return;
    send_object(res, 200, [&](writer_t& w) {
      put(w, "total", deposits - withdrawals);
      put(w, "deposits", deposits);
      put(w, "withdrawals", withdrawals);
      put(w, "in_transit", in_transit);
      put(w, "accounts", accounts);
      put(w, "sum_of_balances", sum);
    });
  }

  void get_transfer(const httplib::Request& req, httplib::Response& res) {
    std::string id;
    if (!path_id(req, res, "transfer", id))
      return;
    if (!await(req, res, {transfers_projection_name}))
      return;
    std::string from;
    std::string to;
    std::string status;
    std::string reason;
    long long amount = 0;
    long long position = 0;
    soci::indicator ind = soci::i_null;
    if (!query(res, [&](soci::session& sql) {
          sql << "SELECT from_account, to_account, amount, status, reason, "
                 "position FROM "
                   + ctx_->prefix + "bank_transfers WHERE id = :id",
            soci::use(id), soci::into(from, ind), soci::into(to),
            soci::into(amount), soci::into(status), soci::into(reason),
            soci::into(position);
        }))
      return;
    if (ind == soci::i_null)
      return send_error(res, http_error{404, "transfer_not_found",
                                        "no transfer with this id"});
    send_object(res, 200, [&](writer_t& w) {
      put(w, "id", id);
      put(w, "from", from);
      put(w, "to", to);
      put(w, "amount", amount);
      put(w, "status", status);
      if (!reason.empty())
        put(w, "reason", reason);
      put(w, "position", position);
    });
  }

  void health(const httplib::Request&, httplib::Response& res) {
    std::string reason;
    int64_t head = 0;
    if (auto pos = ctx_->store->last_position())
      head = *pos;
    else
      reason = "store: " + mink::to_text(pos.error());
    auto statuses = ctx_->engine->statuses();
    for (const auto& st : statuses)
      if (st->state() == mink::projection_state::faulted && reason.empty())
        reason = "projection " + st->name() + " is faulted: "
                 + st->last_error();
    send_object(res, reason.empty() ? 200 : 503, [&](writer_t& w) {
      put(w, "status", std::string{reason.empty() ? "ok" : "unavailable"});
      if (!reason.empty())
        put(w, "reason", reason);
      put(w, "position", head);
      w.Key("projections");
      w.StartObject();
      for (const auto& st : statuses) {
        w.Key(st->name().c_str());
        w.StartObject();
        put(w, "state", std::string{mink::to_string(st->state())});
        put(w, "position", st->position());
        put(w, "lag_events", st->lag_events());
        w.EndObject();
      }
      w.EndObject();
    });
  }

  void metrics(const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(ctx_->metrics->render(),
                    "text/plain; version=0.0.4; charset=utf-8");
  }

private:
  using account_command_t = bank::account_command;

  std::shared_ptr<api_context> ctx_;
};

} // namespace

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
