#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>

#include <boost/test/unit_test.hpp>
#include <caf/all.hpp>

#include "../support/eventually.hpp"
#include "../support/test_account.hpp"
#include "mink/actors/actor_list.hpp"
#include "mink/actors/persistence.hpp"
#include "mink/actors/router.hpp"
#include "mink/actors/store_reader.hpp"
#include "mink/errc.hpp"
#include "mink/actors/snapshot_writer.hpp"
#include "mink/adapters/memory/memory_event_store.hpp"
#include "mink/adapters/memory/memory_snapshot_store.hpp"
#include "mink/uuid.hpp"

namespace mink {

inline std::ostream& operator<<(std::ostream& out, errc x) {
  return out << to_string(x);
}

} // namespace mink

namespace mink::testing {

using test_support::eventually;

/// Sends one command to `target` (a router or the command bus) and waits
/// for its answer.
inline caf::expected<command_result>
call_command(caf::actor_system& sys, const command_handler_actor& target,
             command_envelope env) {
  caf::scoped_actor self{sys};
  caf::expected<command_result> result{command_result{}};
  self->request(target, caf::infinite, command_atom::value, std::move(env))
    .receive([&](command_result& r) { result = r; },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

/// An actor system with two scheduler threads (the machine's cores), a
/// memory store, and the persistence and reader actors on it.
struct actor_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<memory_event_store> store;
  std::shared_ptr<memory_snapshot_store> snapshots;
  std::shared_ptr<event_registry> registry;
  aggregate_context ctx;
  /// Counters of the routers `make_router` spawns.
  std::shared_ptr<router_stats> stats = std::make_shared<router_stats>();
  /// Actors a test spawned (routers, ...): stopped before the fixture's.
  actor_list actors;

  explicit actor_fixture(persistence_config pcfg = {}) {
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
    store = std::make_shared<memory_event_store>();
    snapshots = std::make_shared<memory_snapshot_store>();
    registry = std::make_shared<event_registry>();
    BOOST_REQUIRE(!test_domain::register_events(*registry));
    ctx.writer = spawn_persistence(*sys, store, pcfg);
    ctx.reader = spawn_store_reader(*sys, store, snapshots);
    ctx.registry = registry;
    // Snapshots are read; none is written unless a test sets a policy.
    ctx.snapshot_writer = spawn_snapshot_writer(*sys, snapshots,
                                                ctx.snapshot_counters);
  }

  ~actor_fixture() {
    // The actor system waits for every actor before it shuts down.
    actors.stop();
    caf::anon_send_exit(ctx.writer.actor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(ctx.reader, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(ctx.snapshot_writer, caf::exit_reason::user_shutdown);
  }

  /// Spawns a router of `Decider` for aggregate type `type` on `ctx`,
  /// counting in `stats` (stopped with the fixture).
  template <class Decider = test_domain::account_decider>
  router_actor make_router(router_config rcfg = {},
                           std::string type = "account") {
    return actors.add(
      spawn_router<Decider>(*sys, std::move(type), ctx, rcfg, stats));
  }

  /// Sends one command to a router or bus and waits for its answer.
  caf::expected<command_result> call(const command_handler_actor& target,
                                     command_envelope env) {
    return call_command(*sys, target, std::move(env));
  }

  /// A command envelope for account `id`.
  static command_envelope make_command(const std::string& id,
                                       test_domain::account_command cmd) {
    return test_domain::make_command(id, std::move(cmd));
  }
};

} // namespace mink::testing
