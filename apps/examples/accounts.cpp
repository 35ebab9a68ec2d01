// An aggregate behind actors: accounts that take deposits and withdrawals,
// never overdrawn. Runs on the store URL given (default: a SQLite file in
// ./data), e.g. `example_accounts postgresql://me@localhost/app?schema=demo`.

#include <cstdio>
#include <string>
#include <variant>

#include "mink/actors/runtime.hpp"
#include "mink/business_error.hpp"
#include "mink/serialization/declared_events.hpp"
#include "mink/uuid.hpp"

namespace demo {

enum class account_errc : uint8_t { none, insufficient_funds, invalid_amount };
MINK_BUSINESS_ERRORS(account_errc, "account", none, insufficient_funds,
                     invalid_amount)

struct deposited { int64_t amount = 0; };
MINK_EVENT(deposited, "Deposited", amount)
struct withdrawn { int64_t amount = 0; };
MINK_EVENT(withdrawn, "Withdrawn", amount)

struct deposit { int64_t amount = 0; };
MINK_COMMAND(deposit, amount)
struct withdraw { int64_t amount = 0; };
MINK_COMMAND(withdraw, amount)

struct balance { int64_t cents = 0; };
MINK_FIELDS(balance, cents)

struct account {
  using state_type = balance;
  using event_type = std::variant<deposited, withdrawn>;
  using command_type = std::variant<deposit, withdraw>;
  static constexpr const char* category = "account";
  static constexpr const char* state_type_name = "demo.balance";

  static caf::expected<std::vector<event_type>> decide(const balance& st,
                                                       const command_type& c) {
    if (auto d = std::get_if<deposit>(&c)) {
      if (d->amount <= 0)
        return account_errc::invalid_amount;
      return std::vector<event_type>{deposited{d->amount}};
    }
    auto amount = std::get<withdraw>(c).amount;
    if (amount <= 0)
      return account_errc::invalid_amount;
    if (amount > st.cents)
      return make_error(account_errc::insufficient_funds,
                        "balance " + std::to_string(st.cents));
    return std::vector<event_type>{withdrawn{amount}};
  }

  static void evolve(balance& st, const event_type& ev) {
    if (auto d = std::get_if<deposited>(&ev))
      st.cents += d->amount;
    else
      st.cents -= std::get<withdrawn>(ev).amount;
  }
};

} // namespace demo

int main(int argc, char** argv) {
  auto url = argc > 1 ? argv[1] : "sqlite:./data/example-accounts.db";
  auto registry = std::make_shared<mink::event_registry>();
  if (auto err = mink::register_events<demo::account::event_type>(*registry))
    return std::puts(mink::to_text(err).c_str()), 1;
  auto where = mink::parse_store_url(url);
  if (!where)
    return std::puts(mink::to_text(where.error()).c_str()), 1;
  mink::runtime_config cfg;
  cfg.store = *where;
  auto rt = mink::runtime::start(std::move(cfg), registry);
  if (!rt || !(*rt)->add_aggregate<demo::account>()
      || (*rt)->start_commands({}))
    return std::puts("cannot start the runtime"), 1;
  auto account = "ada-" + mink::make_uuid().substr(24); // new each run
  auto send = [&](demo::account::command_type cmd) {
    auto res = (*rt)->commands()->send_wait(
      mink::make_command<demo::account>(account, cmd, mink::make_uuid()));
    std::printf("%-9s -> %s\n", mink::command_name(cmd),
                res ? ("version " + std::to_string(res->version)).c_str()
                    : mink::describe_business<demo::account_errc>(res.error())
                        .c_str());
    return bool{res};
  };
  bool ok = send(demo::deposit{100}) && send(demo::withdraw{30})
            && !send(demo::withdraw{500}) && !send(demo::deposit{-5});
  std::puts(ok ? "as expected" : "UNEXPECTED");
  return ok ? 0 : 1;
}
