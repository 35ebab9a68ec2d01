#pragma once

// The transfer saga's decisions, free of actors and stores: given a
// transfer's state, which account command runs next and which transfer
// command records its outcome. Every command gets a deterministic id
// derived from the transfer id and the step, so repeating a step after a
// crash is answered from the command record and never runs twice (a
// debit is never taken twice).

#include <optional>
#include <string>

#include "bank/transfer.hpp"
#include "mink/command/command.hpp"

namespace bank {

/// What the saga does next for one transfer.
enum class saga_action {
  /// Nothing: the transfer is final (or unknown).
  none,
  /// Debit the source, then record the debit (or the rejection).
  debit,
  /// Credit the target, then record the credit (or the credit failure).
  credit,
  /// Record the completion.
  complete,
  /// Refund the source, then record the compensation.
  refund,
};

/// Returns the action's name, e.g. `debit`.
const char* to_string(saga_action x);

/// The next action for a transfer in state `st`.
saga_action next_action(const transfer_state& st);

/// A UUID derived from `transfer_id` and `step` alone (the same inputs give
/// the same id in every process and after every restart). It has the
/// 8-4-4-4-12 form with version nibble 8 (custom) and the RFC 4122 variant.
std::string step_command_id(const std::string& transfer_id,
                            const std::string& step);

/// One step: an account command (optional), then the transfer command that
/// records its success; `on_refusal` records a business refusal of the
/// account command (with the reason filled in by `refusal_command`).
struct saga_step {
  saga_action action = saga_action::none;
  std::optional<mink::command_envelope> account_command;
  std::optional<mink::command_envelope> on_success;
};

/// Plans the step for transfer `transfer_id` in state `st`; commands carry
/// `meta` (correlation id of the transfer).
saga_step plan_step(const std::string& transfer_id, const transfer_state& st,
                    const mink::metadata& meta = {});

/// The transfer command recording that the account refused `action`
/// (`debit` -> reject, `credit` -> credit failure) with `reason`; none for
/// other actions (a refund is never refused by an opened account).
std::optional<mink::command_envelope>
refusal_command(const std::string& transfer_id, saga_action action,
                std::string reason, const mink::metadata& meta = {});

} // namespace bank
