#include "bank/account.hpp"

#include <limits>

#include "bank/errors.hpp"
#include "mink/overload.hpp"
#include "mink/utf8.hpp"

namespace bank {

namespace {

using result = account_decider::result;

caf::error check_open(const account_state& st) {
  if (st.status == account_status::unopened)
    return make_error(bank_errc::account_not_open, "the account is not open");
  if (st.status == account_status::closed)
    return make_error(bank_errc::account_closed, "the account is closed");
  return {};
}

caf::error check_amount(int64_t amount) {
  if (amount <= 0 || amount > max_amount)
    return make_error(bank_errc::invalid_amount,
                      "amount must be between 1 and "
                        + std::to_string(max_amount) + ", got "
                        + std::to_string(amount));
  return {};
}

/// Money in: the account is open (or only opened, for a refund), the
/// amount is valid and the balance does not overflow.
caf::error check_in(const account_state& st, int64_t amount,
                    bool closed_ok = false) {
  if (!closed_ok || st.status != account_status::closed)
    if (auto err = check_open(st))
      return err;
  if (auto err = check_amount(amount))
    return err;
  if (st.balance > std::numeric_limits<int64_t>::max() - amount)
    return make_error(bank_errc::balance_overflow,
                      "the balance would overflow");
  return {};
}

/// Money out: the account is open, the amount is valid and covered.
caf::error check_out(const account_state& st, int64_t amount) {
  if (auto err = check_open(st))
    return err;
  if (auto err = check_amount(amount))
    return err;
  if (amount > st.balance)
    return make_error(bank_errc::insufficient_funds,
                      "balance " + std::to_string(st.balance) + ", requested "
                        + std::to_string(amount));
  return {};
}

/// The event `ev` when `err` is empty, otherwise `err`.
template <class Event>
result unless(caf::error err, Event ev) {
  if (err)
    return err;
  return std::vector<account_event>{std::move(ev)};
}

} // namespace

result account_decider::decide(const account_state& st,
                               const account_command& cmd) {
  return std::visit(
    mink::overload{
      [&](const open_account& x) -> result {
        if (auto problem = owner_problem(x.owner); !problem.empty())
          return make_error(bank_errc::invalid_owner, problem);
        if (st.status == account_status::unopened)
          return unless({}, account_opened{x.owner});
        if (st.status == account_status::closed)
          return make_error(bank_errc::account_closed, "the account is closed");
        if (x.owner == st.owner)
          return std::vector<account_event>{}; // a repeat: nothing to do
        return make_error(bank_errc::account_already_open,
                          "the account is open for another owner");
      },
      [&](const deposit& x) {
        return unless(check_in(st, x.amount), money_deposited{x.amount});
      },
      [&](const withdraw& x) {
        return unless(check_out(st, x.amount), money_withdrawn{x.amount});
      },
      [&](const close_account&) -> result {
        if (auto err = check_open(st))
          return err;
        std::vector<account_event> evs;
        if (st.balance > 0)
          evs.emplace_back(money_withdrawn{st.balance}); // the payout
        evs.emplace_back(account_closed{});
        return evs;
      },
      [&](const debit_for_transfer& x) {
        return unless(check_out(st, x.amount),
                      funds_debited{x.transfer_id, x.amount});
      },
      [&](const credit_for_transfer& x) {
        return unless(check_in(st, x.amount),
                      funds_credited{x.transfer_id, x.amount});
      },
      [&](const refund_transfer& x) {
        return unless(check_in(st, x.amount, true),
                      funds_refunded{x.transfer_id, x.amount});
      },
    },
    cmd);
}

int64_t balance_delta(const account_event& ev) {
  return std::visit(mink::overload{
                      [](const money_deposited& x) { return x.amount; },
                      [](const money_withdrawn& x) { return -x.amount; },
                      [](const funds_debited& x) { return -x.amount; },
                      [](const funds_credited& x) { return x.amount; },
                      [](const funds_refunded& x) { return x.amount; },
                      [](const auto&) { return int64_t{0}; },
                    },
                    ev);
}

void account_decider::evolve(account_state& st, const account_event& ev) {
  if (auto opened = std::get_if<account_opened>(&ev)) {
    st.status = account_status::open;
    st.owner = opened->owner;
  } else if (std::holds_alternative<account_closed>(ev)) {
    st.status = account_status::closed;
  }
  st.balance += balance_delta(ev);
}

std::string owner_problem(const std::string& owner) {
  if (owner.empty() || owner.size() > 200)
    return "owner must be 1 to 200 bytes";
  if (!mink::is_valid_utf8(owner))
    return "owner must be valid UTF-8";
  if (mink::has_control_chars(owner))
    return "owner must not contain control characters (such as NUL or "
           "line breaks)";
  return {};
}

} // namespace bank
