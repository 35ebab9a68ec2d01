// A saga with a timeout: an order not paid within 300 ms is cancelled (the
// wake-up is stored, so it fires after a restart too).

#include <cstdio>
#include <thread>

#include "mink/actors/runtime.hpp"
#include "mink/serialization/declared_events.hpp"
#include "mink/uuid.hpp"

namespace demo {

struct placed {};
MINK_EVENT(placed, "OrderPlaced")
struct paid {};
MINK_EVENT(paid, "OrderPaid")
struct cancelled { std::string reason; };
MINK_EVENT(cancelled, "OrderCancelled", reason)

struct place {};
MINK_COMMAND(place)
struct pay {};
MINK_COMMAND(pay)
struct cancel { std::string reason; };
MINK_COMMAND(cancel, reason)

enum class status { none, open, paid, cancelled };
struct order {
  using state_type = status;
  using event_type = std::variant<placed, paid, cancelled>;
  using command_type = std::variant<place, pay, cancel>;
  static constexpr const char* category = "order";
  static caf::expected<std::vector<event_type>> decide(status st,
                                                       const command_type& c) {
    std::vector<event_type> evs; // a command that does not fit does nothing
    if (std::holds_alternative<place>(c) && st == status::none)
      evs.emplace_back(placed{});
    else if (std::holds_alternative<pay>(c) && st == status::open)
      evs.emplace_back(paid{});
    else if (auto x = std::get_if<cancel>(&c); x && st == status::open)
      evs.emplace_back(cancelled{x->reason});
    return evs;
  }
  static void evolve(status& st, const event_type& ev) {
    st = static_cast<status>(ev.index() + 1); // placed: open, paid, cancelled
  }
};

struct watch {}; // the saga keeps no state of its own here
MINK_FIELDS(watch)
} // namespace demo

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  auto registry = std::make_shared<mink::event_registry>();
  auto where = mink::parse_store_url(
    argc > 1 ? argv[1] : "sqlite:./data/example-saga.db");
  if (mink::register_events<demo::order::event_type>(*registry) || !where)
    return std::puts("bad setup"), 1;
  auto saga = std::make_shared<mink::saga<demo::watch>>("shop.payment",
                                                        registry, "order");
  saga->on<demo::placed>([](auto&, mink::saga_context& ctx, const auto&) {
    ctx.wake_after("payment", 300ms);
  });
  saga->on<demo::paid>([](auto&, auto& ctx, auto&) { ctx.complete(); });
  saga->on_wake("payment", [](demo::watch&, mink::saga_context& ctx) {
    ctx.send("cancel", mink::make_command<demo::order>(
                         ctx.instance(), demo::cancel{"not paid in time"}, ""));
    ctx.complete();
  });
  mink::runtime_config cfg;
  cfg.store = *where;
  auto rt = mink::runtime::start(std::move(cfg), registry);
  mink::saga_runner_config saga_cfg;
  saga_cfg.timer_poll = 50ms;
  if (!rt || !(*rt)->add_aggregate<demo::order>() || (*rt)->start_commands({})
      || !(*rt)->add_saga(saga, saga_cfg))
    return std::puts("cannot start"), 1;
  auto run = mink::make_uuid().substr(24); // new orders each run
  auto send = [&](const std::string& id, demo::order::command_type cmd) {
    return bool{(*rt)->commands()->send_wait(
      mink::make_command<demo::order>(id, cmd, mink::make_uuid()))};
  };
  if (!send("paid-" + run, demo::place{}) || !send("late-" + run, demo::place{})
      || !send("paid-" + run, demo::pay{}))
    return std::puts("a command failed"), 1;
  auto last_of = [&](const std::string& id) { // the type of its last event
    auto evs = (*rt)->stores().events->read_stream("order-" + id, 1, 10);
    return evs && !evs->empty() ? evs->back().type : std::string{};
  };
  for (int i = 0; i < 200 && last_of("late-" + run) != "OrderCancelled"; ++i)
    std::this_thread::sleep_for(50ms); // an example waits as a user would
  auto late = last_of("late-" + run), early = last_of("paid-" + run);
  std::printf("late order: %s, paid order: %s\n", late.c_str(), early.c_str());
  bool ok = late == "OrderCancelled" && early == "OrderPaid";
  std::puts(ok ? "as expected" : "UNEXPECTED");
  return ok ? 0 : 1;
}
