#pragma once

// Building command envelopes for the bank's two aggregates. The bus routes
// by command type name: the account's commands go to the `account` router,
// the transfer's to the `transfer` router.

#include <string>
#include <vector>

#include "bank/account.hpp"
#include "bank/transfer.hpp"
#include "mink/command/command.hpp"

namespace bank {

/// The aggregate type (stream category) of accounts.
constexpr const char* account_type = "account";

/// The aggregate type (stream category) of transfers.
constexpr const char* transfer_type = "transfer";

/// The type name of an account command, e.g. `deposit`.
std::string command_name(const account_command& cmd);

/// The type name of a transfer command, e.g. `record_debit`.
std::string command_name(const transfer_command& cmd);

/// Every account command type name.
std::vector<std::string> account_command_names();

/// Every transfer command type name.
std::vector<std::string> transfer_command_names();

/// An envelope for account `id`.
mink::command_envelope make_command(const std::string& id, account_command cmd,
                                    std::string command_id,
                                    mink::metadata meta = {});

/// An envelope for transfer `id`.
mink::command_envelope make_command(const std::string& id,
                                    transfer_command cmd,
                                    std::string command_id,
                                    mink::metadata meta = {});

} // namespace bank
