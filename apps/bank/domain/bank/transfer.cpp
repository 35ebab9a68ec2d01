#include "bank/transfer.hpp"

#include <iterator>

#include "bank/account.hpp"
#include "bank/errors.hpp"

namespace bank {

transfer_decider::result
transfer_decider::decide(const transfer_state& st,
                         const transfer_command& cmd) {
  const auto& x = std::get<initiate_transfer>(cmd);
  if (st.initiated) {
    if (x.from == st.terms.from && x.to == st.terms.to
        && x.amount == st.terms.amount)
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
  if (auto init = std::get_if<transfer_initiated>(&ev))
    st = {true, {init->from, init->to, init->amount}};
}

} // namespace bank
