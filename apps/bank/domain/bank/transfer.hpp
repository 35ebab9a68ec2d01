#pragma once

// The transfer aggregate: a transfer is initiated by a command, then the
// transfer saga (see saga.hpp) moves the money and appends each outcome to
// the transfer's stream, `transfer-<id>`:
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

using transfer_command = std::variant<initiate_transfer>;

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

/// What initiating needs to know: the transfer as initiated, if it was.
struct transfer_state {
  bool initiated = false;
  initiate_transfer terms;
};

/// The transfer's rules for initiating it. Its later steps are the saga's
/// record (appended, see saga.hpp): they follow no rule here.
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
