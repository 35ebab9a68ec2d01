// A counter aggregate run by mink's actors on a SQLite store opened by URL:
// three commands through the command bus, then the stream read back from
// the store. Prints "total N in M events" and exits 0 when all went well.

#include <cstdio>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "mink/actors/actor_list.hpp"
#include "mink/actors/command_bus.hpp"
#include "mink/actors/command_client.hpp"
#include "mink/actors/persistence.hpp"
#include "mink/actors/router.hpp"
#include "mink/actors/store_reader.hpp"
#include "mink/aggregate.hpp"
#include "mink/errc.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/adapters/open_stores.hpp"
#include "mink/uuid.hpp"
#include "mink/version.hpp"

namespace {

struct added {
  int64_t amount = 0;
};

struct add {
  int64_t amount = 0;
};

struct counter_decider {
  using state_type = int64_t;
  using event_type = std::variant<added>;
  using command_type = std::variant<add>;
  using result = caf::expected<std::vector<event_type>>;

  static result decide(const int64_t&, const command_type& cmd) {
    auto n = std::get<add>(cmd).amount;
    if (n <= 0)
      return mink::make_error(mink::errc::invalid_argument, "add: amount > 0");
    return std::vector<event_type>{added{n}};
  }

  static void evolve(int64_t& total, const event_type& ev) {
    total += std::get<added>(ev).amount;
  }
};

caf::error register_events(mink::event_registry& reg) {
  return reg.add<added>(
    "added", 1,
    [](const added& x, rapidjson::Document& doc) {
      doc.SetObject();
      doc.AddMember("amount", x.amount, doc.GetAllocator());
    },
    [](const rapidjson::Value& v) -> caf::expected<added> {
      if (!v.IsObject() || !v.HasMember("amount") || !v["amount"].IsInt64())
        return mink::make_error(mink::errc::decode_failed, "added.amount");
      return added{v["amount"].GetInt64()};
    });
}

int fail(const std::string& what, const caf::error& err) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), mink::to_text(err).c_str());
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: counter STORE-URL\n");
    return 2;
  }
  auto stores = mink::open_stores(argv[1]);
  if (!stores)
    return fail("open_stores", stores.error());
  auto registry = std::make_shared<mink::event_registry>();
  if (auto err = register_events(*registry))
    return fail("register", err);
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  mink::aggregate_context ctx;
  ctx.writer = mink::spawn_persistence(sys, stores->events);
  ctx.reader = mink::spawn_store_reader(sys, stores->events);
  ctx.registry = registry;
  auto counters = mink::spawn_router<counter_decider>(
    sys, "counter", ctx, {}, std::make_shared<mink::router_stats>());
  mink::command_bus_config bus_cfg;
  bus_cfg.routes = {{"add", counters}};
  auto bus = mink::spawn_command_bus(sys, bus_cfg);
  // Stopped before the actor system goes, routers first.
  mink::actor_list stop;
  stop.add(counters);
  stop.add(bus);
  stop.add(ctx.reader);
  stop.add(ctx.writer.actor);
  mink::command_client client{sys, bus, std::chrono::seconds{30}};
  for (int64_t n : {1, 2, 3}) {
    mink::command_envelope cmd;
    cmd.type = "add";
    cmd.aggregate_type = "counter";
    cmd.aggregate_id = "c1";
    cmd.command_id = mink::make_uuid();
    cmd.payload = counter_decider::command_type{add{n}};
    if (auto res = client.send_wait(std::move(cmd)); !res)
      return fail("add", res.error());
  }
  auto events = stores->events->read_stream("counter-c1", 1, 100);
  if (!events)
    return fail("read_stream", events.error());
  int64_t total = 0;
  for (const auto& ev : *events) {
    auto x = registry->decode(ev);
    if (!x)
      return fail("decode", x.error());
    if (const auto* a = x->get<added>())
      total += a->amount;
  }
  std::printf("mink %s: total %lld in %zu events\n", mink::version_string,
              static_cast<long long>(total), events->size());
  // What the store holds on disk (the storage metrics' source).
  auto usage = stores->events->storage_usage();
  if (!usage)
    return fail("storage_usage", usage.error());
  std::printf("storage: %lld events, %zu parts, %lld bytes\n",
              static_cast<long long>(usage->events), usage->parts.size(),
              static_cast<long long>(usage->total_bytes()));
  return total == 6 && events->size() == 3 && usage->events == 3
             && usage->total_bytes() > 0
           ? 0
           : 1;
}
