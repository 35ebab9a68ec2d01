#include "bank/transfer.hpp"

#include <iterator>

#include "bank/account.hpp"
#include "bank/errors.hpp"
#include "mink/overload.hpp"

namespace bank {

namespace {

using result = transfer_decider::result;

/// Whether a transfer in `now` has passed through `target` already.
bool reached(transfer_status now, transfer_status target) {
  using ts = transfer_status;
  switch (target) {
    case ts::debited:
      return now == ts::debited || now == ts::credited
             || now == ts::credit_failed || now == ts::completed
             || now == ts::compensated;
    case ts::credited:
      return now == ts::credited || now == ts::completed;
    case ts::credit_failed:
      return now == ts::credit_failed || now == ts::compensated;
    default:
      return now == target;
  }
}

/// Accepts `ev` when the transfer is in `from`; decides nothing when the
/// transfer already reached `to` (a repeated step).
result step(const transfer_state& st, transfer_status from, transfer_status to,
            transfer_event ev) {
  if (st.status == from)
    return std::vector<transfer_event>{std::move(ev)};
  if (reached(st.status, to))
    return std::vector<transfer_event>{};
  return make_error(bank_errc::invalid_transfer_state,
                    std::string{"cannot move a transfer from "}
                      + mink::enum_name(st.status) + " to "
                      + mink::enum_name(to));
}

} // namespace

result transfer_decider::decide(const transfer_state& st,
                                const transfer_command& cmd) {
  using ts = transfer_status;
  return std::visit(
    mink::overload{
      [&](const initiate_transfer& x) -> result {
        if (st.status != ts::none) {
          if (x.from == st.from && x.to == st.to && x.amount == st.amount)
            return std::vector<transfer_event>{}; // a repeat
          return make_error(bank_errc::transfer_exists,
                            "the transfer id is taken by another transfer");
        }
        if (x.amount <= 0 || x.amount > max_amount)
          return make_error(bank_errc::invalid_amount,
                            "amount must be between 1 and "
                              + std::to_string(max_amount));
        if (x.from == x.to)
          return make_error(bank_errc::same_account,
                            "cannot transfer from an account to itself");
        return std::vector<transfer_event>{
          transfer_initiated{x.from, x.to, x.amount}};
      },
      [&](const record_debit&) -> result {
        return step(st, ts::initiated, ts::debited, transfer_debited{});
      },
      [&](const reject_transfer& x) -> result {
        return step(st, ts::initiated, ts::rejected,
                    transfer_rejected{x.reason});
      },
      [&](const record_credit&) -> result {
        return step(st, ts::debited, ts::credited, transfer_credited{});
      },
      [&](const record_credit_failure& x) -> result {
        return step(st, ts::debited, ts::credit_failed,
                    transfer_credit_failed{x.reason});
      },
      [&](const complete_transfer&) -> result {
        return step(st, ts::credited, ts::completed, transfer_completed{});
      },
      [&](const record_compensation&) -> result {
        return step(st, ts::credit_failed, ts::compensated,
                    transfer_compensated{});
      },
    },
    cmd);
}

transfer_status status_after(const transfer_event& ev) {
  using ts = transfer_status;
  // In the order of `transfer_event`'s alternatives.
  static constexpr ts after[] = {ts::initiated, ts::debited,
                                 ts::credited,  ts::completed,
                                 ts::rejected,  ts::credit_failed,
                                 ts::compensated};
  static_assert(std::size(after) == std::variant_size_v<transfer_event>);
  return after[ev.index()];
}

void transfer_decider::evolve(transfer_state& st, const transfer_event& ev) {
  st.status = status_after(ev);
  if (auto init = std::get_if<transfer_initiated>(&ev)) {
    st.from = init->from;
    st.to = init->to;
    st.amount = init->amount;
  } else if (auto rejected = std::get_if<transfer_rejected>(&ev)) {
    st.reason = rejected->reason;
  } else if (auto failed = std::get_if<transfer_credit_failed>(&ev)) {
    st.reason = failed->reason;
  }
}

} // namespace bank
