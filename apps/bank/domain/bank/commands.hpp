#pragma once

// Command envelopes for the bank's two aggregates: the account's commands
// go to the `account` router, the transfer's to the `transfer` router.

#include <string>

#include "bank/account.hpp"
#include "bank/transfer.hpp"
#include "mink/command/declared_commands.hpp"

namespace bank {

/// An envelope for account `id`.
inline mink::command_envelope make_command(std::string id, account_command cmd,
                                           std::string command_id,
                                           mink::metadata meta = {}) {
  return mink::make_command<account_decider>(std::move(id), std::move(cmd),
                                             std::move(command_id),
                                             std::move(meta));
}

/// An envelope for transfer `id`.
inline mink::command_envelope make_command(std::string id,
                                           transfer_command cmd,
                                           std::string command_id,
                                           mink::metadata meta = {}) {
  return mink::make_command<transfer_decider>(std::move(id), std::move(cmd),
                                              std::move(command_id),
                                              std::move(meta));
}

} // namespace bank
