// The HTTP API's query routes (GET): accounts, their history, the total,
// transfers; and health and metrics.

#include <chrono>
#include <string>
#include <vector>

#include <httplib.h>
#include <soci/soci.h>

#include "bank/http_api_detail.hpp"
#include "bank/projections.hpp"
#include "mink/errc.hpp"
#include "mink/projection/projection_state.hpp"

namespace bank::detail {

/// Waits for the read models in `names` to reach `?position=N`; false
/// (with the answer sent) on a bad parameter or a timeout.
bool api::await(const httplib::Request& req, httplib::Response& res,
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

/// Runs a read-model query; false (with the answer sent) on failure.
bool api::query(httplib::Response& res,
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

void api::get_account(const httplib::Request& req, httplib::Response& res) {
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

void api::get_history(const httplib::Request& req, httplib::Response& res) {
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

void api::get_total(const httplib::Request& req, httplib::Response& res) {
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

void api::get_transfer(const httplib::Request& req, httplib::Response& res) {
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

void api::health(const httplib::Request&, httplib::Response& res) {
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

void api::metrics(const httplib::Request&, httplib::Response& res) {
  res.status = 200;
  res.set_content(ctx_->metrics->render(),
                  "text/plain; version=0.0.4; charset=utf-8");
}

} // namespace bank::detail
