#pragma once

// The bank's business errors: their own error category, so mink never
// retries them (see `mink::is_business_error`).

#include <cstdint>
#include <string>

#include <caf/error.hpp>

#include "mink/business_error.hpp"

namespace bank {

/// Broken business rules of accounts and transfers.
enum class bank_errc : uint8_t {
  none = 0,
  /// The account was never opened.
  account_not_open,
  /// An open command for an account that is already open (for another owner).
  account_already_open,
  /// The account is closed.
  account_closed,
  /// An amount that is not positive or too large.
  invalid_amount,
  /// A withdrawal or transfer larger than the balance.
  insufficient_funds,
  /// A transfer from an account to itself.
  same_account,
  /// A transfer id reused with other accounts or another amount.
  transfer_exists,
  /// A transfer step that did not fit the transfer's status (no longer
  /// raised since the saga appends the steps; kept, as codes are stored).
  invalid_transfer_state,
  /// A deposit that would overflow the balance.
  balance_overflow,
  /// An empty or overlong owner name.
  invalid_owner,
};

MINK_BUSINESS_ERRORS(bank_errc, "bank", none, account_not_open,
                     account_already_open, account_closed, invalid_amount,
                     insufficient_funds, same_account, transfer_exists,
                     invalid_transfer_state, balance_overflow, invalid_owner)

/// Renders bank errors as `bank.<code>: <explanation>` and others as mink
/// does.
inline std::string describe(const caf::error& err) {
  return mink::describe_business<bank_errc>(err);
}

} // namespace bank
