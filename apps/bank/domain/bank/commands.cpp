#include "bank/commands.hpp"

#include "bank/overload.hpp"

namespace bank {

namespace {

constexpr const char* account_names[] = {
  "open_account",       "deposit",             "withdraw",       "close_account",
  "debit_for_transfer", "credit_for_transfer", "refund_transfer",
};

constexpr const char* transfer_names[] = {
  "initiate_transfer",     "record_debit",       "record_credit",
  "complete_transfer",     "reject_transfer",    "record_credit_failure",
  "record_compensation",
};

static_assert(std::size(account_names) == std::variant_size_v<account_command>);
static_assert(std::size(transfer_names)
              == std::variant_size_v<transfer_command>);

} // namespace

std::string command_name(const account_command& cmd) {
  return account_names[cmd.index()];
}

std::string command_name(const transfer_command& cmd) {
  return transfer_names[cmd.index()];
}

std::vector<std::string> account_command_names() {
  return {std::begin(account_names), std::end(account_names)};
}

std::vector<std::string> transfer_command_names() {
  return {std::begin(transfer_names), std::end(transfer_names)};
}

mink::command_envelope make_command(const std::string& id, account_command cmd,
                                    std::string command_id,
                                    mink::metadata meta) {
  mink::command_envelope env;
  env.type = command_name(cmd);
  env.aggregate_type = account_type;
  env.aggregate_id = id;
  env.command_id = std::move(command_id);
  env.meta = std::move(meta);
  env.payload = std::move(cmd);
  return env;
}

mink::command_envelope make_command(const std::string& id,
                                    transfer_command cmd,
                                    std::string command_id,
                                    mink::metadata meta) {
  mink::command_envelope env;
  env.type = command_name(cmd);
  env.aggregate_type = transfer_type;
  env.aggregate_id = id;
  env.command_id = std::move(command_id);
  env.meta = std::move(meta);
  env.payload = std::move(cmd);
  return env;
}

} // namespace bank
