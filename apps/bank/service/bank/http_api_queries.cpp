// The HTTP API's query routes (GET): accounts, their history, the total,
// transfers. Through the kit, a query waits for its read models without a
// thread (`?position=N`), then runs on a query thread.

#include <chrono>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "bank/http_api_detail.hpp"
#include "bank/projections.hpp"

namespace bank::detail {

void api::get_account(const request& req, responder reply) {
  std::string id;
  if (auto err = mink::http::path_id(req, "account", id))
    return kit_->send_error(reply, *err);
  auto table = prefix_ + "bank_accounts";
  kit_->read(req, std::move(reply), {accounts_projection_name},
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
         return json_object(200, [&](json_writer& w) {
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
  if (auto err = mink::http::path_id(req, "account", id))
    return kit_->send_error(reply, *err);
  int64_t after = 0;
  int64_t limit = 100;
  if (auto err = mink::http::query_int(req, "after", after, 0, INT64_MAX))
    return kit_->send_error(reply, *err);
  if (auto err = mink::http::query_int(req, "limit", limit, 1, 1000))
    return kit_->send_error(reply, *err);
  auto prefix = prefix_;
  kit_->read(req, std::move(reply), {accounts_projection_name},
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
         long long lim = limit;
         long long aft = after;
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
         return json_object(200, [&](json_writer& w) {
           put(w, "id", id);
           put_objects(w, "entries", entries, [&](const auto& x) {
             put(w, "version", x.version);
             put(w, "position", x.position);
             put(w, "kind", x.kind);
             put(w, "amount", x.amount);
             if (!x.transfer_id.empty())
             put(w, "transfer_id", x.transfer_id);
             put(w, "balance", x.balance);
             put(w, "at_us", x.at_us);
           });
         });
       });
}

void api::get_total(const request& req, responder reply) {
  auto prefix = prefix_;
  kit_->read(req, std::move(reply), {totals_projection_name, accounts_projection_name},
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
         return json_object(200, [&](json_writer& w) {
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
  if (auto err = mink::http::path_id(req, "transfer", id))
    return kit_->send_error(reply, *err);
  auto table = prefix_ + "bank_transfers";
  kit_->read(req, std::move(reply), {transfers_projection_name},
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
         return json_object(200, [&](json_writer& w) {
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

} // namespace bank::detail
