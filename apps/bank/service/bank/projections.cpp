#include "bank/projections.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <soci/soci.h>

#include "bank/account.hpp"
#include "bank/commands.hpp"
#include "bank/overload.hpp"
#include "bank/transfer.hpp"
#include "mink/aggregate_events.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/sql/row_batch.hpp"

namespace bank {

namespace {

/// Decodes `ev` into one of `Variant`'s alternatives.
template <class Variant>
caf::expected<Variant> decode_as(const mink::event_registry& reg,
                                 const mink::recorded_event& ev) {
  auto decoded = reg.decode(ev);
  if (!decoded)
    return std::move(decoded.error());
  auto out = mink::detail::variant_from_any<Variant>::convert(decoded->value);
  if (!out)
    return mink::make_error(mink::errc::decode_failed,
                            "event " + ev.type + " at position "
                              + std::to_string(ev.global_position)
                              + " does not belong to " + ev.stream_id);
  return std::move(*out);
}

struct event_view {
  const char* kind;
  int64_t amount;
  std::string transfer_id;
};

event_view view_of(const account_event& ev) {
  return std::visit(
    overload{
      [](const account_opened&) { return event_view{"opened", 0, {}}; },
      [](const money_deposited& x) {
        return event_view{"deposit", x.amount, {}};
      },
      [](const money_withdrawn& x) {
        return event_view{"withdrawal", x.amount, {}};
      },
      [](const funds_debited& x) {
        return event_view{"transfer_out", x.amount, x.transfer_id};
      },
      [](const funds_credited& x) {
        return event_view{"transfer_in", x.amount, x.transfer_id};
      },
      [](const funds_refunded& x) {
        return event_view{"refund", x.amount, x.transfer_id};
      },
      [](const account_closed&) { return event_view{"closed", 0, {}}; },
    },
    ev);
}

} // namespace

std::string id_of_stream(const std::string& stream_id) {
  auto dash = stream_id.find('-');
  return dash == std::string::npos ? stream_id : stream_id.substr(dash + 1);
}

// -- accounts -----------------------------------------------------------------

accounts_projection::accounts_projection(
  std::string prefix, std::shared_ptr<const mink::event_registry> registry)
  : prefix_(std::move(prefix)), registry_(std::move(registry)) {
  // nop
}

std::string accounts_projection::name() const {
  return accounts_projection_name;
}

mink::read_filter accounts_projection::filter() const {
  return {account_type, {}};
}

caf::error accounts_projection::setup(soci::session& sql) {
  sql << "CREATE TABLE IF NOT EXISTS " + prefix_
           + "bank_accounts (id text PRIMARY KEY, owner text NOT NULL, "
             "status text NOT NULL, balance bigint NOT NULL, "
             "version bigint NOT NULL)";
  sql << "CREATE TABLE IF NOT EXISTS " + prefix_
           + "bank_history (account text NOT NULL, version bigint NOT NULL, "
             "position bigint NOT NULL, kind text NOT NULL, "
             "amount bigint NOT NULL, transfer_id text NOT NULL, "
             "balance bigint NOT NULL, at_us bigint NOT NULL, "
             "PRIMARY KEY (account, version))";
  return {};
}

caf::error
accounts_projection::handle(soci::session& sql,
                            const std::vector<mink::recorded_event>& events) {
  struct row {
    std::string owner;
    std::string status = "open";
    long long balance = 0;
    long long version = 0;
  };
  // A few statements per batch, not per event: the rows of the batch's
  // accounts in one read, the history in one insert, the accounts in one
  // upsert (chunked by `row_batch`).
  std::vector<std::string> ids;
  ids.reserve(events.size());
  for (const auto& rec : events)
    ids.push_back(id_of_stream(rec.stream_id));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::map<std::string, row> rows;
  mink::sql::select_in(
    sql, "SELECT id, owner, status, balance, version FROM " + prefix_
           + "bank_accounts WHERE id",
    ids, [&](const soci::row& r) {
      rows[r.get<std::string>(0)] = row{r.get<std::string>(1),
                                        r.get<std::string>(2),
                                        mink::sql::get_int(r, 3),
                                        mink::sql::get_int(r, 4)};
    });
  mink::sql::row_batch history{"INSERT INTO " + prefix_
                                 + "bank_history (account, version, position, "
                                   "kind, amount, transfer_id, balance, at_us)",
                               8};
  for (const auto& rec : events) {
    auto ev = decode_as<account_event>(*registry_, rec);
    if (!ev)
      return std::move(ev.error());
    auto id = id_of_stream(rec.stream_id);
    auto& r = rows[id];
    if (auto opened = std::get_if<account_opened>(&*ev)) {
      r.owner = opened->owner;
      r.status = "open";
    } else if (std::holds_alternative<account_closed>(*ev)) {
      r.status = "closed";
    }
    r.balance += balance_delta(*ev);
    r.version = rec.stream_version;
    auto v = view_of(*ev);
    history.add({std::move(id), static_cast<long long>(rec.stream_version),
                 static_cast<long long>(rec.global_position),
                 std::string{v.kind}, static_cast<long long>(v.amount),
                 std::move(v.transfer_id), r.balance,
                 static_cast<long long>(rec.timestamp_us)});
  }
  history.execute(sql);
  mink::sql::row_batch accounts{
    "INSERT INTO " + prefix_
      + "bank_accounts (id, owner, status, balance, version)",
    5,
    "ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, status = "
    "excluded.status, balance = excluded.balance, version = excluded.version"};
  for (auto& [id, r] : rows)
    accounts.add({id, r.owner, r.status, r.balance, r.version});
  accounts.execute(sql);
  return {};
}

caf::error accounts_projection::clear(soci::session& sql) {
  sql << "DELETE FROM " + prefix_ + "bank_history";
  sql << "DELETE FROM " + prefix_ + "bank_accounts";
  return {};
}

// -- totals -------------------------------------------------------------------

totals_projection::totals_projection(
  std::string prefix, std::shared_ptr<const mink::event_registry> registry)
  : prefix_(std::move(prefix)), registry_(std::move(registry)) {
  // nop
}

std::string totals_projection::name() const {
  return totals_projection_name;
}

mink::read_filter totals_projection::filter() const {
  return {account_type, {}};
}

caf::error totals_projection::setup(soci::session& sql) {
  sql << "CREATE TABLE IF NOT EXISTS " + prefix_
           + "bank_totals (id integer PRIMARY KEY, deposits bigint NOT NULL, "
             "withdrawals bigint NOT NULL, in_transit bigint NOT NULL, "
             "accounts bigint NOT NULL)";
  return {};
}

caf::error
totals_projection::handle(soci::session& sql,
                          const std::vector<mink::recorded_event>& events) {
  long long deposits = 0;
  long long withdrawals = 0;
  long long in_transit = 0;
  long long accounts = 0;
  for (const auto& rec : events) {
    auto ev = decode_as<account_event>(*registry_, rec);
    if (!ev)
      return std::move(ev.error());
    std::visit(overload{
                 [&](const account_opened&) { ++accounts; },
                 [&](const money_deposited& x) { deposits += x.amount; },
                 [&](const money_withdrawn& x) { withdrawals += x.amount; },
                 [&](const funds_debited& x) { in_transit += x.amount; },
                 [&](const funds_credited& x) { in_transit -= x.amount; },
                 [&](const funds_refunded& x) { in_transit -= x.amount; },
                 [](const account_closed&) {},
               },
               *ev);
  }
  sql << "INSERT INTO " + prefix_
           + "bank_totals (id, deposits, withdrawals, in_transit, accounts) "
             "VALUES (1, :d, :w, :t, :a) ON CONFLICT (id) DO UPDATE SET "
             "deposits = bank_totals.deposits + excluded.deposits, "
             "withdrawals = bank_totals.withdrawals + excluded.withdrawals, "
             "in_transit = bank_totals.in_transit + excluded.in_transit, "
             "accounts = bank_totals.accounts + excluded.accounts",
    soci::use(deposits), soci::use(withdrawals), soci::use(in_transit),
    soci::use(accounts);
  return {};
}

caf::error totals_projection::clear(soci::session& sql) {
  sql << "DELETE FROM " + prefix_ + "bank_totals";
  return {};
}

// -- transfers ----------------------------------------------------------------

transfers_projection::transfers_projection(
  std::string prefix, std::shared_ptr<const mink::event_registry> registry)
  : prefix_(std::move(prefix)), registry_(std::move(registry)) {
  // nop
}

std::string transfers_projection::name() const {
  return transfers_projection_name;
}

mink::read_filter transfers_projection::filter() const {
  return {transfer_type, {}};
}

caf::error transfers_projection::setup(soci::session& sql) {
  sql << "CREATE TABLE IF NOT EXISTS " + prefix_
           + "bank_transfers (id text PRIMARY KEY, from_account text NOT NULL, "
             "to_account text NOT NULL, amount bigint NOT NULL, "
             "status text NOT NULL, reason text NOT NULL, "
             "position bigint NOT NULL)";
  return {};
}

caf::error
transfers_projection::handle(soci::session& sql,
                             const std::vector<mink::recorded_event>& events) {
  for (const auto& rec : events) {
    auto ev = decode_as<transfer_event>(*registry_, rec);
    if (!ev)
      return std::move(ev.error());
    auto id = id_of_stream(rec.stream_id);
    long long position = rec.global_position;
    std::string status = to_string(status_after(*ev));
    if (auto init = std::get_if<transfer_initiated>(&*ev)) {
      long long amount = init->amount;
      std::string reason;
      sql << "INSERT INTO " + prefix_
               + "bank_transfers (id, from_account, to_account, amount, "
                 "status, reason, position) VALUES (:i, :f, :t, :a, :s, :r, "
                 ":p)",
        soci::use(id), soci::use(init->from), soci::use(init->to),
        soci::use(amount), soci::use(status), soci::use(reason),
        soci::use(position);
      continue;
    }
    std::string reason;
    if (auto x = std::get_if<transfer_rejected>(&*ev))
      reason = x->reason;
    else if (auto y = std::get_if<transfer_credit_failed>(&*ev))
      reason = y->reason;
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
  return {};
}

caf::error transfers_projection::clear(soci::session& sql) {
  sql << "DELETE FROM " + prefix_ + "bank_transfers";
  return {};
}

} // namespace bank
