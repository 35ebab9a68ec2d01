#pragma once

#include <caf/error.hpp>

#include "bank/account.hpp"
#include "bank/transfer.hpp"
#include "mink/serialization/declared_events.hpp"

namespace bank {

/// Registers every bank event type, as declared: the account's and the
/// transfer's, all at schema version 1.
[[nodiscard]] inline caf::error register_events(mink::event_registry& reg) {
  return mink::register_events<account_event, transfer_event>(reg);
}

} // namespace bank
