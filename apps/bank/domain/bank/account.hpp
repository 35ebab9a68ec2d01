#pragma once

// The account aggregate: opened, takes deposits and withdrawals (never
// overdrawn), takes part in transfers (debit, credit, refund) and is closed,
// paying out what is left. Its stream is `account-<id>`.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <caf/expected.hpp>

#include "mink/aggregate.hpp"
#include "mink/serialization/describe.hpp"

namespace bank {

/// The largest amount of one deposit, withdrawal or transfer (in cents).
constexpr int64_t max_amount = 1'000'000'000'000'000; // 10^15

// -- events -------------------------------------------------------------------

struct account_opened { std::string owner; };
MINK_EVENT(account_opened, "AccountOpened", owner)

/// Money from outside the bank.
struct money_deposited { int64_t amount = 0; };
MINK_EVENT(money_deposited, "MoneyDeposited", amount)

/// Money leaving the bank (also the payout on close).
struct money_withdrawn { int64_t amount = 0; };
MINK_EVENT(money_withdrawn, "MoneyWithdrawn", amount)

/// The first step of transfer `transfer_id`.
struct funds_debited { std::string transfer_id; int64_t amount = 0; };
MINK_EVENT(funds_debited, "FundsDebited", transfer_id, amount)

/// The second step of transfer `transfer_id`.
struct funds_credited { std::string transfer_id; int64_t amount = 0; };
MINK_EVENT(funds_credited, "FundsCredited", transfer_id, amount)

/// The compensation of a debit whose credit failed.
struct funds_refunded { std::string transfer_id; int64_t amount = 0; };
MINK_EVENT(funds_refunded, "FundsRefunded", transfer_id, amount)

struct account_closed {};
MINK_EVENT(account_closed, "AccountClosed")

using account_event
  = std::variant<account_opened, money_deposited, money_withdrawn,
                 funds_debited, funds_credited, funds_refunded, account_closed>;

// -- commands -----------------------------------------------------------------

struct open_account { std::string owner; };
MINK_COMMAND(open_account, owner)

struct deposit { int64_t amount = 0; };
MINK_COMMAND(deposit, amount)

struct withdraw { int64_t amount = 0; };
MINK_COMMAND(withdraw, amount)

/// Pays out the balance (a withdrawal) and closes the account.
struct close_account {};
MINK_COMMAND(close_account)

/// Takes `amount` for transfer `transfer_id`; never overdraws.
struct debit_for_transfer { std::string transfer_id; int64_t amount = 0; };
MINK_COMMAND(debit_for_transfer, transfer_id, amount)

/// Adds `amount` from transfer `transfer_id`; fails on an account that is
/// not open, which makes the transfer compensate.
struct credit_for_transfer { std::string transfer_id; int64_t amount = 0; };
MINK_COMMAND(credit_for_transfer, transfer_id, amount)

/// Gives back the debit of transfer `transfer_id`. Accepted by a closed
/// account too (the money must go somewhere: it stays on the account, and
/// in the bank's total, until someone reopens the question).
struct refund_transfer { std::string transfer_id; int64_t amount = 0; };
MINK_COMMAND(refund_transfer, transfer_id, amount)

using account_command
  = std::variant<open_account, deposit, withdraw, close_account,
                 debit_for_transfer, credit_for_transfer, refund_transfer>;

// -- state and behavior -------------------------------------------------------

enum class account_status { unopened, open, closed };
MINK_ENUM(account_status, unopened, open, closed)

struct account_state {
  account_status status = account_status::unopened;
  std::string owner;
  int64_t balance = 0;
};
MINK_FIELDS(account_state, status, owner, balance)

/// The account's rules (see `mink::aggregate`).
struct account_decider {
  using state_type = account_state;
  using event_type = account_event;
  using command_type = account_command;
  using result = caf::expected<std::vector<account_event>>;

  /// The stream category: `account-<id>`.
  static constexpr const char* category = "account";

  /// Snapshots; version 1 stored the status as a number.
  static constexpr const char* state_type_name = "bank.account";
  static constexpr int32_t state_schema_version = 2;

  static result decide(const account_state& st, const account_command& cmd);

  static void evolve(account_state& st, const account_event& ev);

  /// Opening creates the account: its stream is not read first.
  static bool creates(const account_command& cmd) {
    return std::holds_alternative<open_account>(cmd);
  }
};

using account = mink::aggregate<account_decider>;

/// The balance change of one account event (0 for open and close).
int64_t balance_delta(const account_event& ev);

/// Why `owner` cannot name an account owner, or empty when it can: 1 to
/// 200 bytes of UTF-8 without control characters (NUL included).
std::string owner_problem(const std::string& owner);

} // namespace bank
