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

#include <memory>
#include <string>
#include <vector>

#include "mink/projection/projection.hpp"
#include "mink/serialization/event_registry.hpp"

namespace bank {

/// Projection names: the keys of their checkpoints, and what
/// `?position=N` queries wait for.
constexpr const char* accounts_projection_name = "bank_accounts";
constexpr const char* totals_projection_name = "bank_totals";
constexpr const char* transfers_projection_name = "bank_transfers";

/// Balance, status and history per account.
class accounts_projection : public mink::sql_projection {
public:
  accounts_projection(std::string prefix,
                      std::shared_ptr<const mink::event_registry> registry);

  std::string name() const override;
  mink::read_filter filter() const override;
  caf::error setup(soci::session& sql) override;
  caf::error handle(soci::session& sql,
                    const std::vector<mink::recorded_event>& events) override;
  caf::error clear(soci::session& sql) override;

private:
  std::string prefix_;
  std::shared_ptr<const mink::event_registry> registry_;
};

/// The bank-wide sums: deposits and withdrawals (money that entered and
/// left the bank; their difference is the total), money in transit
/// (debited by a transfer, not yet credited or refunded) and the number of
/// accounts opened. At every position, the sum of the balances plus the
/// money in transit equals deposits minus withdrawals.
class totals_projection : public mink::sql_projection {
public:
  totals_projection(std::string prefix,
                    std::shared_ptr<const mink::event_registry> registry);

  std::string name() const override;
  mink::read_filter filter() const override;
  caf::error setup(soci::session& sql) override;
  caf::error handle(soci::session& sql,
                    const std::vector<mink::recorded_event>& events) override;
  caf::error clear(soci::session& sql) override;

private:
  std::string prefix_;
  std::shared_ptr<const mink::event_registry> registry_;
};

/// The status of each transfer.
class transfers_projection : public mink::sql_projection {
public:
  transfers_projection(std::string prefix,
                       std::shared_ptr<const mink::event_registry> registry);

  std::string name() const override;
  mink::read_filter filter() const override;
  caf::error setup(soci::session& sql) override;
  caf::error handle(soci::session& sql,
                    const std::vector<mink::recorded_event>& events) override;
  caf::error clear(soci::session& sql) override;

private:
  std::string prefix_;
  std::shared_ptr<const mink::event_registry> registry_;
};

/// The id part of stream id `Category-id`.
std::string id_of_stream(const std::string& stream_id);

} // namespace bank
