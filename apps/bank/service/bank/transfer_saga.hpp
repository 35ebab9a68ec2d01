#pragma once

#include <memory>
#include <string>

#include "bank/saga.hpp"
#include "mink/saga/saga_runner.hpp"
#include "mink/store/event_store.hpp"

namespace bank {

/// Rebuilds the saga's state of a transfer from its stream: for transfers
/// that began while the saga kept no state (before sagas moved into mink).
/// The steps of all its events but the last were taken.
recovery recover_from(std::shared_ptr<mink::event_store> store,
             std::shared_ptr<const mink::event_registry> registry);

/// Fault injection for crash tests: a hook that exits the process at once
/// (status 86, no cleanup) right after account step `step` (e.g. `debit`)
/// succeeded and before its outcome is recorded on the transfer.
step_hook exit_after(std::string step);

} // namespace bank
