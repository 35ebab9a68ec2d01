#pragma once

// The transfer saga: moves the money of a transfer, one step per transfer
// event, and appends each outcome to the transfer's stream:
//
//   TransferInitiated    -> debit the source  -> TransferDebited |
//                                               TransferRejected
//   TransferDebited      -> credit the target -> TransferCredited |
//                                                TransferCreditFailed
//   TransferCredited     -> TransferCompleted
//   TransferCreditFailed -> refund the source -> TransferCompensated
//
// Command ids derive from the transfer id and the step (`bank.transfer/<id>/
// <step>`, as before sagas moved into mink), so a step repeated after a
// crash is answered from the command record: no debit, credit, refund or
// outcome is ever written twice.

#include <functional>
#include <memory>
#include <string>

#include "bank/transfer.hpp"
#include "mink/saga/saga.hpp"

namespace bank {

/// The saga's name: the first part of its command ids.
constexpr const char* transfer_saga_name = "bank.transfer";

/// The checkpoint of the saga (the name of the code it replaced).
constexpr const char* saga_projection_name = "bank_transfer_saga";

/// What the saga keeps of a transfer: its accounts and amount.
struct transfer_progress {
  std::string from;
  std::string to;
  int64_t amount = 0;
};
MINK_FIELDS(transfer_progress, from, to, amount)

/// Called after an account step (`debit`, `credit`, `refund`) succeeded,
/// before its outcome is recorded (the crash tests stop the process there).
using step_hook = std::function<void(const std::string& step,
                                     const std::string& transfer_id)>;

/// Rebuilds a transfer that began before the saga kept state (from its
/// stream), with the position of the last event whose step was taken.
using recovery
  = std::function<caf::expected<mink::recovered<transfer_progress>>(
    const std::string& transfer_id)>;

/// The transfer saga.
std::shared_ptr<mink::saga<transfer_progress>>
make_transfer_saga(std::shared_ptr<const mink::event_registry> registry,
                   recovery recover = {}, step_hook after_step = {});

} // namespace bank
