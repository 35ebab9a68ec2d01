// The HTTP API's query routes (GET): accounts, their history, the total,
// transfers; and health and metrics. A query waits for its read models
// without a thread (`?position=N`), then runs on the blocking pool.

#include <chrono>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "bank/http_api_detail.hpp"
#include "bank/projections.hpp"
#include "mink/errc.hpp"
#include "mink/projection/projection_state.hpp"

namespace bank::detail {

void api::blocking(const responder& reply, std::function<void()> job) {
  if (!ctx_->blocking->post(std::move(job)))
    send_error(reply, http_error{503, "overloaded",
                                 "too many queries are waiting; try again"});
}

void api::read(const request& req, responder reply,
               std::initializer_list<const char*> names,
               query_fn query) {
  auto param = req.query_param("position");
  if (!param)
    return run_query(std::move(reply), std::move(query));
  auto pos = parse_int(*param);
  if (!pos || *pos < 0)
    return send_error(reply, http_error{400, "invalid_parameter",
                                        "position must be a non-negative "
                                        "integer"});
  auto list = std::make_shared<std::vector<std::string>>(names.begin(),
                                                         names.end());
  await(reply, *pos, std::move(list), 0,
        [this, reply, query = std::move(query)]() mutable {
          run_query(std::move(reply), std::move(query));
        });
}

void api::await(responder reply, int64_t position,
                std::shared_ptr<std::vector<std::string>> names, size_t next,
                std::function<void()> then) {
  if (position > ctx_->known_head.load()) {
    // Beyond what this process knows: ask the store (another process may
    // have written it). Beyond the store's head is an error at once, not
    // a wait that cannot end well.
    return blocking(reply, [this, reply, position, names, next,
                            then = std::move(then)]() mutable {
      auto head = ctx_->store->last_position();
      if (!head)
        return send_error(reply, head.error());
      auto known = ctx_->known_head.load();
      while (*head > known && !ctx_->known_head.compare_exchange_weak(known, *head))
        ; // retry
      if (position > *head)
        return send_error(reply,
                          http_error{400, "position_beyond_head",
                                     "position " + std::to_string(position)
                                       + " is beyond the store's last "
                                         "position "
                                       + std::to_string(*head)});
      await(std::move(reply), position, std::move(names), next, std::move(then));
    });
  }
  if (next == names->size())
    return then();
  auto timeout = std::chrono::milliseconds{ctx_->cfg.read_timeout_ms};
  const auto& name = (*names)[next];
  ctx_->engine->when_reached(
    name, position, timeout,
    [this, reply, position, names, next, then = std::move(then)](
      caf::error err) mutable {
      if (!err)
        return await(std::move(reply), position, std::move(names), next + 1,
                     std::move(then));
      if (mink::code_of(err) == mink::errc::timeout)
        return send_error(reply, http_error{504, "timeout",
                                            "read model " + (*names)[next]
                                              + " did not reach position "
                                              + std::to_string(position)
                                              + " in time"});
      send_error(reply, err);
    });
}

void api::run_query(responder reply,
                    query_fn query) {
  blocking(reply, [this, reply, query = std::move(query)] {
    query_answer answer;
    auto err = ctx_->reads->run([&](soci::session& sql) -> caf::error {
      answer = query(sql);
      return {};
    });
    if (err)
      return send_error(reply, err);
    if (auto* fail = std::get_if<http_error>(&answer))
      return send_error(reply, *fail);
    reply(std::get<response>(std::move(answer)));
  });
}

void api::get_account(const request& req, responder reply) {
  std::string id;
  if (auto err = path_id(req, "account", id))
    return send_error(reply, *err);
  auto table = ctx_->prefix + "bank_accounts";
  read(req, std::move(reply), {accounts_projection_name},
       [id, table](soci::session& sql) -> query_answer {
         std::string owner;
         std::string status;
         long long balance = 0;
         long long version = 0;
         soci::indicator ind = soci::i_null;
         sql << "SELECT owner, status, balance, version FROM " + table
                  + " WHERE id = :id",
           soci::use(id), soci::into(owner, ind), soci::into(status),
           soci::into(balance), soci::into(version);
         if (ind == soci::i_null)
           return http_error{404, "account_not_found",
                             "no account with this id"};
         return object(200, [&](writer_t& w) {
           put(w, "id", id);
           put(w, "owner", owner);
           put(w, "status", status);
           put(w, "balance", balance);
           put(w, "version", version);
         });
       });
}

void api::get_history(const request& req, responder reply) {
  std::string id;
  if (auto err = path_id(req, "account", id))
    return send_error(reply, *err);
  long long after = 0;
  long long limit = 100;
  if (auto p = req.query_param("after")) {
    auto x = parse_int(*p);
    if (!x || *x < 0)
      return send_error(reply, http_error{400, "invalid_parameter",
                                          "after must be a non-negative "
                                          "integer"});
    after = *x;
  }
  if (auto p = req.query_param("limit")) {
    auto x = parse_int(*p);
    if (!x || *x < 1 || *x > 1000)
      return send_error(reply, http_error{400, "invalid_parameter",
                                          "limit must be an integer from 1 "
                                          "to 1000"});
    limit = *x;
  }
  auto prefix = ctx_->prefix;
  read(req, std::move(reply), {accounts_projection_name},
       [id, after, limit, prefix](soci::session& sql) -> query_answer {
         long long n = 0;
         sql << "SELECT COUNT(*) FROM " + prefix
                  + "bank_accounts WHERE id = :id",
           soci::use(id), soci::into(n);
         if (n == 0)
           return http_error{404, "account_not_found",
                             "no account with this id"};
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
         entry e;
         auto lim = limit;
         auto aft = after;
         soci::statement st
           = (sql.prepare << "SELECT version, position, kind, amount, "
                             "transfer_id, balance, at_us FROM "
                               + prefix
                               + "bank_history WHERE account = :id AND "
                                 "version > :after ORDER BY version LIMIT :l",
              soci::use(id), soci::use(aft), soci::use(lim),
              soci::into(e.version), soci::into(e.position),
              soci::into(e.kind), soci::into(e.amount),
              soci::into(e.transfer_id), soci::into(e.balance),
              soci::into(e.at_us));
         st.execute();
         while (st.fetch())
           entries.push_back(e);
         return object(200, [&](writer_t& w) {
           put(w, "id", id);
           w.Key("entries");
           w.StartArray();
           for (const auto& x : entries) {
             w.StartObject();
             put(w, "version", x.version);
             put(w, "position", x.position);
             put(w, "kind", x.kind);
             put(w, "amount", x.amount);
             if (!x.transfer_id.empty())
               put(w, "transfer_id", x.transfer_id);
             put(w, "balance", x.balance);
             put(w, "at_us", x.at_us);
             w.EndObject();
           }
           w.EndArray();
         });
       });
}

void api::get_total(const request& req, responder reply) {
  auto prefix = ctx_->prefix;
  read(req, std::move(reply), {totals_projection_name, accounts_projection_name},
       [prefix](soci::session& sql) -> query_answer {
         long long deposits = 0;
         long long withdrawals = 0;
         long long in_transit = 0;
         long long accounts = 0;
         long long sum = 0;
         soci::indicator ind = soci::i_null;
         sql << "SELECT deposits, withdrawals, in_transit, accounts FROM "
                  + prefix + "bank_totals WHERE id = 1",
           soci::into(deposits, ind), soci::into(withdrawals),
           soci::into(in_transit), soci::into(accounts);
         sql << "SELECT COALESCE(SUM(balance), 0) FROM " + prefix
                  + "bank_accounts",
           soci::into(sum);
         return object(200, [&](writer_t& w) {
           put(w, "total", deposits - withdrawals);
           put(w, "deposits", deposits);
           put(w, "withdrawals", withdrawals);
           put(w, "in_transit", in_transit);
           put(w, "accounts", accounts);
           put(w, "sum_of_balances", sum);
         });
       });
}

void api::get_transfer(const request& req, responder reply) {
  std::string id;
  if (auto err = path_id(req, "transfer", id))
    return send_error(reply, *err);
  auto table = ctx_->prefix + "bank_transfers";
  read(req, std::move(reply), {transfers_projection_name},
       [id, table](soci::session& sql) -> query_answer {
         std::string from;
         std::string to;
         std::string status;
         std::string reason;
         long long amount = 0;
         long long position = 0;
         soci::indicator ind = soci::i_null;
         sql << "SELECT from_account, to_account, amount, status, reason, "
                "position FROM "
                  + table + " WHERE id = :id",
           soci::use(id), soci::into(from, ind), soci::into(to),
           soci::into(amount), soci::into(status), soci::into(reason),
           soci::into(position);
         if (ind == soci::i_null)
           return http_error{404, "transfer_not_found",
                             "no transfer with this id"};
         return object(200, [&](writer_t& w) {
           put(w, "id", id);
           put(w, "from", from);
           put(w, "to", to);
           put(w, "amount", amount);
           put(w, "status", status);
           if (!reason.empty())
             put(w, "reason", reason);
           put(w, "position", position);
         });
       });
}

void api::health(const request&, responder reply) {
  blocking(reply, [this, reply] {
    auto report = ctx_->runtime->health();
    auto reason = report.reason();
    auto statuses = ctx_->engine->statuses();
    reply(object(reason.empty() ? 200 : 503, [&](writer_t& w) {
      put(w, "status", std::string{reason.empty() ? "ok" : "unavailable"});
      if (!reason.empty())
        put(w, "reason", reason);
      put(w, "position", report.position);
      w.Key("checks");
      w.StartObject();
      for (const auto& check : report.checks) {
        w.Key(check.name.c_str());
        w.StartObject();
        w.Key("healthy");
        w.Bool(check.healthy);
        put(w, "detail", check.detail);
        w.EndObject();
      }
      w.EndObject();
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
    }));
  });
}

void api::metrics(const request&, responder reply) {
  response res;
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  res.body = ctx_->metrics->render();
  reply(std::move(res));
}

} // namespace bank::detail
