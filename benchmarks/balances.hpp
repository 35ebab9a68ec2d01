#pragma once

// The projection benchmark's workload and read models: deposits of random
// amounts to account streams, folded into balances.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <rapidjson/document.h>
#include <soci/soci.h>

#include "mink/clock.hpp"
#include "mink/errc.hpp"
#include "mink/event.hpp"
#include "mink/projection/projection.hpp"
#include "mink/adapters/postgres/pg_result.hpp"

namespace mink::bench {

/// A deposit event of about 200 bytes: `{"amount":N,"note":"xx..."}`.
inline event_data make_deposit(int64_t amount) {
  event_data e;
  e.type = "Deposited";
  e.data = R"({"amount":)" + std::to_string(amount) + R"(,"note":")";
  e.data.append(200 - 2 - e.data.size(), 'x');
  e.data += "\"}";
  return e;
}

/// Reads the amount of a deposit.
inline caf::expected<int64_t> deposit_amount(const recorded_event& ev) {
  rapidjson::Document doc;
  doc.Parse(ev.data.data(), ev.data.size());
  if (doc.HasParseError() || !doc.IsObject())
    return make_error(errc::decode_failed, "deposit at position "
                                             + std::to_string(ev.global_position));
  auto it = doc.FindMember("amount");
  if (it == doc.MemberEnd() || !it->value.IsInt64())
    return make_error(errc::decode_failed, "deposit without amount at position "
                                             + std::to_string(ev.global_position));
  return it->value.GetInt64();
}

/// The lag of every event a projection handled from position `from` on:
/// the time its handler saw the event minus the event's commit timestamp.
class lag_recorder {
public:
  explicit lag_recorder(int64_t from = 0) : from_(from) {
    // nop
  }

  /// Only events from `from` on count (the measured window).
  void start_at(int64_t from) {
    std::lock_guard<std::mutex> guard{mtx_};
    from_ = from;
    lags_ms_.clear();
  }

  void record(const std::vector<recorded_event>& events) {
    auto now = now_us();
    auto mono = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> guard{mtx_};
    for (const auto& ev : events) {
      if (ev.global_position < from_)
        continue;
      if (lags_ms_.empty())
        first_ = mono;
      last_ = mono;
      lags_ms_.push_back(static_cast<double>(now - ev.timestamp_us) / 1e3);
    }
  }

  /// The lags in ms, in the order the events were seen.
  std::vector<double> lags_ms() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return lags_ms_;
  }

  /// Seconds between the first and the last event seen.
  double span_seconds() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return std::chrono::duration<double>(last_ - first_).count();
  }

private:
  mutable std::mutex mtx_;
  int64_t from_;
  std::vector<double> lags_ms_;
  std::chrono::steady_clock::time_point first_;
  std::chrono::steady_clock::time_point last_;
};

/// Balances kept in memory by an async projection; records lags.
class memory_balances : public async_projection {
public:
  explicit memory_balances(std::string name) : name_(std::move(name)) {
    // nop
  }

  std::string name() const override { return name_; }

  caf::error handle(const std::vector<recorded_event>& events) override {
    lags.record(events);
    for (const auto& ev : events) {
      auto amount = deposit_amount(ev);
      if (!amount)
        return std::move(amount.error());
      auto& row = balances_[ev.stream_id];
      row.first += *amount;
      ++row.second;
    }
    return {};
  }

  caf::error clear() override {
    balances_.clear();
    return {};
  }

  lag_recorder lags;

private:
  std::string name_;
  std::unordered_map<std::string, std::pair<int64_t, int64_t>> balances_;
};

/// The SQL read model `<schema>.<table> (account primary key, balance,
/// events)`, exactly once. `set_based` folds each batch in C++ and writes
/// it with one `INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE`;
/// otherwise it runs one upsert per event (what naive code does).
class sql_balances : public sql_projection {
public:
  /// `schema` and `table` must be valid identifiers (the caller checks
  /// them); they are quoted.
  sql_balances(std::string name, const std::string& schema,
               const std::string& table, bool set_based = true)
    : name_(std::move(name)),
      table_(pg::quote_ident(schema) + "." + pg::quote_ident(table)),
      set_based_(set_based) {
    // nop
  }

  std::string name() const override { return name_; }

  caf::error setup(soci::session& sql) override {
    sql << "CREATE TABLE IF NOT EXISTS " + table_
             + " (account text PRIMARY KEY, balance bigint NOT NULL,"
               " events bigint NOT NULL)";
    return {};
  }

  caf::error handle(soci::session& sql,
                    const std::vector<recorded_event>& events) override {
    lags.record(events);
    return set_based_ ? handle_set(sql, events) : handle_each(sql, events);
  }

  caf::error clear(soci::session& sql) override {
    sql << "TRUNCATE " + table_;
    return {};
  }

  /// The fully qualified, quoted table name.
  const std::string& table() const noexcept { return table_; }

  lag_recorder lags;

private:
  std::string upsert(const std::string& source) const {
    return "INSERT INTO " + table_ + " AS t (account, balance, events) "
           + source
           + " ON CONFLICT (account) DO UPDATE SET"
             " balance = t.balance + EXCLUDED.balance,"
             " events = t.events + EXCLUDED.events";
  }

  caf::error handle_set(soci::session& sql,
                        const std::vector<recorded_event>& events) {
    // Fold: one row per account.
    std::unordered_map<std::string_view, size_t> index;
    index.reserve(events.size());
    std::vector<std::string> accounts;
    std::vector<int64_t> sums;
    std::vector<int64_t> counts;
    for (const auto& ev : events) {
      auto amount = deposit_amount(ev);
      if (!amount)
        return std::move(amount.error());
      auto [it, added] = index.emplace(ev.stream_id, accounts.size());
      if (added) {
        accounts.push_back(ev.stream_id);
        sums.push_back(0);
        counts.push_back(0);
      }
      sums[it->second] += *amount;
      ++counts[it->second];
    }
    auto ids = pg::text_array(accounts);
    auto amounts = int_array(sums);
    auto ns = int_array(counts);
    sql << upsert("SELECT * FROM unnest(CAST(:a AS text[]),"
                  " CAST(:b AS bigint[]), CAST(:n AS bigint[]))"),
      soci::use(ids), soci::use(amounts), soci::use(ns);
    return {};
  }

  caf::error handle_each(soci::session& sql,
                         const std::vector<recorded_event>& events) {
    std::string account;
    long long amount = 0;
    soci::statement st = (sql.prepare << upsert("VALUES (:a, :b, 1)"),
                          soci::use(account), soci::use(amount));
    for (const auto& ev : events) {
      auto x = deposit_amount(ev);
      if (!x)
        return std::move(x.error());
      account = ev.stream_id;
      amount = *x;
      st.execute(true);
    }
    return {};
  }

  static std::string int_array(const std::vector<int64_t>& xs) {
    std::string out = "{";
    for (auto x : xs) {
      if (out.size() > 1)
        out += ',';
      out += std::to_string(x);
    }
    out += '}';
    return out;
  }

  std::string name_;
  std::string table_;
  bool set_based_;
};

} // namespace mink::bench
