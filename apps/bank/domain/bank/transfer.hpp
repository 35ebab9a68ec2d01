#pragma once

// The transfer aggregate: the event-sourced progress of one transfer, run
// by the transfer saga (see saga.hpp). Its stream is `transfer-<id>`:
//
//   initiated -> debited -> credited -> completed
//   initiated -> rejected                     (the debit was refused)
//   initiated -> debited -> credit_failed -> compensated (refunded)

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <caf/expected.hpp>

#include "mink/aggregate.hpp"
#include "mink/serialization/describe.hpp"

namespace bank {

// -- events -------------------------------------------------------------------

struct transfer_initiated {
  std::string from;
  std::string to;
  int64_t amount = 0;
};
MINK_EVENT(transfer_initiated, "TransferInitiated", from, to, amount)

/// The source account paid.
struct transfer_debited {};
MINK_EVENT(transfer_debited, "TransferDebited")

/// The target account received.
struct transfer_credited {};
MINK_EVENT(transfer_credited, "TransferCredited")

struct transfer_completed {};
MINK_EVENT(transfer_completed, "TransferCompleted")

/// The debit was refused; no money moved.
struct transfer_rejected { std::string reason; };
MINK_EVENT(transfer_rejected, "TransferRejected", reason)

/// The target refused the credit; a refund follows.
struct transfer_credit_failed { std::string reason; };
MINK_EVENT(transfer_credit_failed, "TransferCreditFailed", reason)

/// The debit was refunded.
struct transfer_compensated {};
MINK_EVENT(transfer_compensated, "TransferCompensated")

using transfer_event
  = std::variant<transfer_initiated, transfer_debited, transfer_credited,
                 transfer_completed, transfer_rejected, transfer_credit_failed,
                 transfer_compensated>;

// -- commands -----------------------------------------------------------------

struct initiate_transfer {
  std::string from;
  std::string to;
  int64_t amount = 0;
};
MINK_COMMAND(initiate_transfer, from, to, amount)

struct record_debit {};
MINK_COMMAND(record_debit)

struct record_credit {};
MINK_COMMAND(record_credit)

struct complete_transfer {};
MINK_COMMAND(complete_transfer)

struct reject_transfer { std::string reason; };
MINK_COMMAND(reject_transfer, reason)

struct record_credit_failure { std::string reason; };
MINK_COMMAND(record_credit_failure, reason)

struct record_compensation {};
MINK_COMMAND(record_compensation)

using transfer_command
  = std::variant<initiate_transfer, record_debit, record_credit,
                 complete_transfer, reject_transfer, record_credit_failure,
                 record_compensation>;

// -- state and behavior -------------------------------------------------------

enum class transfer_status {
  none,
  initiated,
  debited,
  credited,
  completed,
  rejected,
  credit_failed,
  compensated,
};
MINK_ENUM(transfer_status, none, initiated, debited, credited, completed,
          rejected, credit_failed, compensated)

struct transfer_state {
  transfer_status status = transfer_status::none;
  std::string from;
  std::string to;
  int64_t amount = 0;
  std::string reason;
};

/// The transfer's rules. Each step is accepted once, in order; repeating a
/// step that already happened decides nothing (the saga may repeat steps
/// after a restart), and a step out of order is `invalid_transfer_state`.
struct transfer_decider {
  using state_type = transfer_state;
  using event_type = transfer_event;
  using command_type = transfer_command;
  using result = caf::expected<std::vector<transfer_event>>;

  /// The stream category: `transfer-<id>`.
  static constexpr const char* category = "transfer";

  static result decide(const transfer_state& st, const transfer_command& cmd);

  static void evolve(transfer_state& st, const transfer_event& ev);

  /// Initiating creates the transfer: its stream is not read first.
  static bool creates(const transfer_command& cmd) {
    return std::holds_alternative<initiate_transfer>(cmd);
  }
};

using transfer = mink::aggregate<transfer_decider>;

/// The status that `ev` moves a transfer to.
transfer_status status_after(const transfer_event& ev);

} // namespace bank
