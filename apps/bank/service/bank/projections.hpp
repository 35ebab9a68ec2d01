#pragma once

// The bank's read models: SQL projections whose rows commit with their
// checkpoint (exactly once), in the database of the event store. Table
// names start with `prefix` (the schema and a dot on PostgreSQL, nothing on
// SQLite).
//
//   bank_accounts  (id, owner, status, balance, version)
//   bank_history   (account, version, position, kind, amount, transfer_id,
//                   balance, at_us)
//   bank_totals    (id = 1, deposits, withdrawals, in_transit, accounts)
//   bank_transfers (id, from_account, to_account, amount, status, reason,
//                   position)

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mink/adapters/sql/row_batch.hpp"
#include "mink/projection/read_model.hpp"

namespace bank {

/// Projection names: the keys of their checkpoints, and what
/// `?position=N` queries wait for.
constexpr const char* accounts_projection_name = "bank_accounts";
constexpr const char* totals_projection_name = "bank_totals";
constexpr const char* transfers_projection_name = "bank_transfers";

/// Balance, status and history per account.
class accounts_projection : public mink::sql_read_model {
public:
  accounts_projection(std::string prefix,
                      std::shared_ptr<const mink::event_registry> registry);

private:
  struct row {
    std::string owner;
    std::string status = "open";
    long long balance = 0;
    long long version = 0;
  };

  caf::error begin_batch(soci::session& sql,
                         const std::vector<mink::recorded_event>& events)
    override;
  caf::error end_batch(soci::session& sql) override;

  /// Adds one event to the account's row and its history.
  row& record(const mink::recorded_event& rec, const char* kind,
              int64_t amount, const std::string& transfer_id,
              int64_t delta);

  std::string prefix_;
  // The rows the batch touches: read in one query, written in one upsert.
  std::map<std::string, row> rows_;
  mink::sql::row_batch history_;
};

/// The bank-wide sums: deposits and withdrawals (money that entered and
/// left the bank; their difference is the total), money in transit
/// (debited by a transfer, not yet credited or refunded) and the number of
/// accounts opened. At every position, the sum of the balances plus the
/// money in transit equals deposits minus withdrawals.
class totals_projection : public mink::sql_read_model {
public:
  totals_projection(std::string prefix,
                    std::shared_ptr<const mink::event_registry> registry);

private:
  caf::error begin_batch(soci::session& sql,
                         const std::vector<mink::recorded_event>& events)
    override;
  caf::error end_batch(soci::session& sql) override;

  std::string prefix_;
  long long deposits_ = 0;
  long long withdrawals_ = 0;
  long long in_transit_ = 0;
  long long accounts_ = 0;
};

/// The status of each transfer.
class transfers_projection : public mink::sql_read_model {
public:
  transfers_projection(std::string prefix,
                       std::shared_ptr<const mink::event_registry> registry);

private:
  /// Moves a transfer to the status after `ev`, with `reason` if any.
  template <class Event>
  void step(soci::session& sql, const mink::typed_event<Event>& ev,
            const std::string& reason = {});

  std::string prefix_;
};

/// The id part of stream id `Category-id`.
std::string id_of_stream(const std::string& stream_id);

} // namespace bank
