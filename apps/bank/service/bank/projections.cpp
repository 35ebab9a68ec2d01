#include "bank/projections.hpp"

#include <algorithm>

#include <soci/soci.h>

#include "bank/account.hpp"
#include "bank/transfer.hpp"

namespace bank {

std::string id_of_stream(const std::string& stream_id) {
  auto dash = stream_id.find('-');
  return dash == std::string::npos ? stream_id : stream_id.substr(dash + 1);
}

// -- accounts -----------------------------------------------------------------

accounts_projection::accounts_projection(
  std::string prefix, std::shared_ptr<const mink::event_registry> registry)
  : sql_read_model(accounts_projection_name, std::move(registry),
                   account_decider::category),
    prefix_(std::move(prefix)),
    history_("INSERT INTO " + prefix_
               + "bank_history (account, version, position, kind, amount, "
                 "transfer_id, balance, at_us)",
             8) {
  table(prefix_ + "bank_accounts",
        "id text PRIMARY KEY, owner text NOT NULL, status text NOT NULL, "
        "balance bigint NOT NULL, version bigint NOT NULL");
  table(prefix_ + "bank_history",
        "account text NOT NULL, version bigint NOT NULL, "
        "position bigint NOT NULL, kind text NOT NULL, amount bigint NOT NULL, "
        "transfer_id text NOT NULL, balance bigint NOT NULL, "
        "at_us bigint NOT NULL, PRIMARY KEY (account, version)");
  using mink::typed_event;
  on<account_opened>([this](auto&, const typed_event<account_opened>& ev) {
    auto& r = record(ev.record, "opened", 0, {}, 0);
    r.owner = ev.data.owner;
    r.status = "open";
  });
  on<account_closed>([this](auto&, const auto& ev) {
    record(ev.record, "closed", 0, {}, 0).status = "closed";
  });
  on<money_deposited>([this](auto&, const auto& ev) {
    record(ev.record, "deposit", ev.data.amount, {}, ev.data.amount);
  });
  on<money_withdrawn>([this](auto&, const auto& ev) {
    record(ev.record, "withdrawal", ev.data.amount, {}, -ev.data.amount);
  });
  on<funds_debited>([this](auto&, const auto& ev) {
    const auto& x = ev.data;
    record(ev.record, "transfer_out", x.amount, x.transfer_id, -x.amount);
  });
  on<funds_credited>([this](auto&, const auto& ev) {
    const auto& x = ev.data;
    record(ev.record, "transfer_in", x.amount, x.transfer_id, x.amount);
  });
  on<funds_refunded>([this](auto&, const auto& ev) {
    const auto& x = ev.data;
    record(ev.record, "refund", x.amount, x.transfer_id, x.amount);
  });
}

caf::error accounts_projection::begin_batch(
  soci::session& sql, const std::vector<mink::recorded_event>& events) {
  // The rows of the batch's accounts in one read (chunked by `select_in`).
  std::vector<std::string> ids;
  ids.reserve(events.size());
  for (const auto& rec : events)
    ids.push_back(id_of_stream(rec.stream_id));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  rows_.clear();
  history_.clear();
  mink::sql::select_in(
    sql, "SELECT id, owner, status, balance, version FROM " + prefix_
           + "bank_accounts WHERE id",
    ids, [&](const soci::row& r) {
      rows_[r.get<std::string>(0)] = row{r.get<std::string>(1),
                                         r.get<std::string>(2),
                                         mink::sql::get_int(r, 3),
                                         mink::sql::get_int(r, 4)};
    });
  return {};
}

accounts_projection::row&
accounts_projection::record(const mink::recorded_event& rec, const char* kind,
                            int64_t amount, const std::string& transfer_id,
                            int64_t delta) {
  auto id = id_of_stream(rec.stream_id);
  auto& r = rows_[id];
  r.balance += delta;
  r.version = rec.stream_version;
  history_.add({std::move(id), static_cast<long long>(rec.stream_version),
                static_cast<long long>(rec.global_position), std::string{kind},
                static_cast<long long>(amount), transfer_id, r.balance,
                static_cast<long long>(rec.timestamp_us)});
  return r;
}

caf::error accounts_projection::end_batch(soci::session& sql) {
  history_.execute(sql);
  mink::sql::row_batch accounts{
    "INSERT INTO " + prefix_
      + "bank_accounts (id, owner, status, balance, version)",
    5,
    "ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, status = "
    "excluded.status, balance = excluded.balance, version = excluded.version"};
  for (auto& [id, r] : rows_)
    accounts.add({id, r.owner, r.status, r.balance, r.version});
  accounts.execute(sql);
  return {};
}

// -- totals -------------------------------------------------------------------

totals_projection::totals_projection(
  std::string prefix, std::shared_ptr<const mink::event_registry> registry)
  : sql_read_model(totals_projection_name, std::move(registry),
                   account_decider::category),
    prefix_(std::move(prefix)) {
  table(prefix_ + "bank_totals",
        "id integer PRIMARY KEY, deposits bigint NOT NULL, "
        "withdrawals bigint NOT NULL, in_transit bigint NOT NULL, "
        "accounts bigint NOT NULL");
  on<account_opened>([this](auto&, const auto&) { ++accounts_; });
  on<money_deposited>(
    [this](auto&, const auto& ev) { deposits_ += ev.data.amount; });
  on<money_withdrawn>(
    [this](auto&, const auto& ev) { withdrawals_ += ev.data.amount; });
  on<funds_debited>(
    [this](auto&, const auto& ev) { in_transit_ += ev.data.amount; });
  on<funds_credited>(
    [this](auto&, const auto& ev) { in_transit_ -= ev.data.amount; });
  on<funds_refunded>(
    [this](auto&, const auto& ev) { in_transit_ -= ev.data.amount; });
}

caf::error
totals_projection::begin_batch(soci::session&,
                               const std::vector<mink::recorded_event>&) {
  deposits_ = withdrawals_ = in_transit_ = accounts_ = 0;
  return {};
}

caf::error totals_projection::end_batch(soci::session& sql) {
  sql << "INSERT INTO " + prefix_
           + "bank_totals (id, deposits, withdrawals, in_transit, accounts) "
             "VALUES (1, :d, :w, :t, :a) ON CONFLICT (id) DO UPDATE SET "
             "deposits = bank_totals.deposits + excluded.deposits, "
             "withdrawals = bank_totals.withdrawals + excluded.withdrawals, "
             "in_transit = bank_totals.in_transit + excluded.in_transit, "
             "accounts = bank_totals.accounts + excluded.accounts",
    soci::use(deposits_), soci::use(withdrawals_), soci::use(in_transit_),
    soci::use(accounts_);
  return {};
}

// -- transfers ----------------------------------------------------------------

transfers_projection::transfers_projection(
  std::string prefix, std::shared_ptr<const mink::event_registry> registry)
  : sql_read_model(transfers_projection_name, std::move(registry),
                   transfer_decider::category),
    prefix_(std::move(prefix)) {
  table(prefix_ + "bank_transfers",
        "id text PRIMARY KEY, from_account text NOT NULL, "
        "to_account text NOT NULL, amount bigint NOT NULL, "
        "status text NOT NULL, reason text NOT NULL, position bigint NOT NULL");
  on<transfer_initiated>([this](soci::session& sql, const auto& ev) {
    std::string id{ev.id()};
    long long amount = ev.data.amount;
    long long position = ev.position();
    sql << "INSERT INTO " + prefix_
             + "bank_transfers (id, from_account, to_account, amount, "
               "status, reason, position) VALUES (:i, :f, :t, :a, "
               "'initiated', '', :p)",
      soci::use(id), soci::use(ev.data.from), soci::use(ev.data.to),
      soci::use(amount), soci::use(position);
  });
  on<transfer_debited>([this](auto& sql, const auto& ev) { step(sql, ev); });
  on<transfer_credited>([this](auto& sql, const auto& ev) { step(sql, ev); });
  on<transfer_completed>(
    [this](auto& sql, const auto& ev) { step(sql, ev); });
  on<transfer_compensated>(
    [this](auto& sql, const auto& ev) { step(sql, ev); });
  on<transfer_rejected>(
    [this](auto& sql, const auto& ev) { step(sql, ev, ev.data.reason); });
  on<transfer_credit_failed>(
    [this](auto& sql, const auto& ev) { step(sql, ev, ev.data.reason); });
}

template <class Event>
void transfers_projection::step(soci::session& sql,
                                const mink::typed_event<Event>& ev,
                                const std::string& reason) {
  std::string id{ev.id()};
  std::string status = mink::enum_name(status_after(ev.data));
  long long position = ev.position();
  if (reason.empty())
    sql << "UPDATE " + prefix_
             + "bank_transfers SET status = :s, position = :p WHERE id = :i",
      soci::use(status), soci::use(position), soci::use(id);
  else
    sql << "UPDATE " + prefix_
             + "bank_transfers SET status = :s, reason = :r, position = :p "
               "WHERE id = :i",
      soci::use(status), soci::use(reason), soci::use(position),
      soci::use(id);
}

} // namespace bank
