#pragma once

#include <caf/error.hpp>

#include "mink/serialization/event_registry.hpp"

namespace bank {

/// Registers every bank event type with its JSON encoding: the account's
/// (`AccountOpened`, `MoneyDeposited`, `MoneyWithdrawn`, `FundsDebited`,
/// `FundsCredited`, `FundsRefunded`, `AccountClosed`) and the transfer's
/// (`TransferInitiated`, `TransferDebited`, `TransferCredited`,
/// `TransferCompleted`, `TransferRejected`, `TransferCreditFailed`,
/// `TransferCompensated`), all at schema version 1.
[[nodiscard]] caf::error register_events(mink::event_registry& reg);

} // namespace bank
