#include "bank/account.hpp"

#include <limits>

#include "bank/errors.hpp"
#include "mink/overload.hpp"
#include "mink/utf8.hpp"

namespace bank {

namespace {

using result = account_decider::result;

caf::error check_open(const account_state& st) {
  switch (st.status) {
    case account_status::unopened:
      return make_error(bank_errc::account_not_open, "the account is not open");
    case account_status::closed:
      return make_error(bank_errc::account_closed, "the account is closed");
    case account_status::open:
      break;
  }
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

caf::error check_room(const account_state& st, int64_t amount) {
  if (st.balance > std::numeric_limits<int64_t>::max() - amount)
    return make_error(bank_errc::balance_overflow,
                      "the balance would overflow");
  return {};
}

caf::error check_funds(const account_state& st, int64_t amount) {
  if (amount > st.balance)
    return make_error(bank_errc::insufficient_funds,
                      "balance " + std::to_string(st.balance) + ", requested "
                        + std::to_string(amount));
  return {};
}

template <class Event>
result one(Event ev) {
  return std::vector<account_event>{account_event{std::move(ev)}};
}

} // namespace

result account_decider::decide(const account_state& st,
                               const account_command& cmd) {
  return std::visit(
    mink::overload{
      [&](const open_account& x) -> result {
        if (auto problem = owner_problem(x.owner); !problem.empty())
          return make_error(bank_errc::invalid_owner, problem);
        switch (st.status) {
          case account_status::unopened:
            return one(account_opened{x.owner});
          case account_status::closed:
            return make_error(bank_errc::account_closed,
                              "the account is closed");
          case account_status::open:
            break;
        }
        if (x.owner == st.owner)
          return std::vector<account_event>{}; // a repeat: nothing to do
        return make_error(bank_errc::account_already_open,
                          "the account is open for another owner");
      },
      [&](const deposit& x) -> result {
        if (auto err = check_open(st))
          return err;
        if (auto err = check_amount(x.amount))
          return err;
        if (auto err = check_room(st, x.amount))
          return err;
        return one(money_deposited{x.amount});
      },
      [&](const withdraw& x) -> result {
        if (auto err = check_open(st))
          return err;
        if (auto err = check_amount(x.amount))
          return err;
        if (auto err = check_funds(st, x.amount))
          return err;
        return one(money_withdrawn{x.amount});
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
      [&](const debit_for_transfer& x) -> result {
        if (auto err = check_open(st))
          return err;
        if (auto err = check_amount(x.amount))
          return err;
        if (auto err = check_funds(st, x.amount))
          return err;
        return one(funds_debited{x.transfer_id, x.amount});
      },
      [&](const credit_for_transfer& x) -> result {
        if (auto err = check_open(st))
          return err;
        if (auto err = check_amount(x.amount))
          return err;
        if (auto err = check_room(st, x.amount))
          return err;
        return one(funds_credited{x.transfer_id, x.amount});
      },
      [&](const refund_transfer& x) -> result {
        if (st.status == account_status::unopened)
          return make_error(bank_errc::account_not_open,
                            "the account is not open");
        if (auto err = check_amount(x.amount))
          return err;
        if (auto err = check_room(st, x.amount))
          return err;
        return one(funds_refunded{x.transfer_id, x.amount});
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
  std::visit(mink::overload{
               [&](const account_opened& x) {
                 st.status = account_status::open;
                 st.owner = x.owner;
               },
               [&](const account_closed&) {
                 st.status = account_status::closed;
               },
               [&](const auto&) { st.balance += balance_delta(ev); },
             },
             ev);
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
