#include "mink/actors/command_bus.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/actors/detail/timeout_queue.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

/// A command sent to its router, and whom to answer.
struct routed_command {
  reply_fn reply;
  std::string type;
  bool done = false;
};

struct bus_state {
  detail::timeout_queue<routed_command> timeouts;
  static inline const char* name = "mink.command_bus";
};

using bus_self = command_bus_actor::stateful_pointer<bus_state>;

command_bus_actor::behavior_type bus_impl(bus_self self, command_bus_config cfg) {
  // Sends the command to its router; the answer comes back through `reply`.
  // The request itself has no timeout: the bus sweeps its own (see
  // `timeout_queue`).
  next_fn route = [self, routes = cfg.routes,
                   timeout = cfg.timeout](command_envelope cmd,
                                          reply_fn reply) {
    auto i = routes.find(cmd.type);
    if (i == routes.end()) {
      reply(make_error(errc::invalid_argument,
                       "unknown command type '" + cmd.type + "'"));
      return;
    }
    auto slot = std::make_shared<routed_command>();
    slot->reply = std::move(reply);
    slot->type = cmd.type;
    self->state.timeouts.add(slot, std::chrono::steady_clock::now() + timeout);
    detail::schedule_sweep(self, self->state.timeouts, timeout,
                           tick_atom::value);
    self->request(i->second, caf::infinite, command_atom::value, std::move(cmd))
      .then(
        [slot](command_result& res) {
          if (!slot->done) {
            slot->done = true;
            slot->reply(res);
          }
        },
        [slot](caf::error& err) {
          if (!slot->done) {
            slot->done = true;
            slot->reply(std::move(err));
          }
        });
  };
  return {
    [self, pipeline = cfg.pipeline, route](command_atom,
                                           command_envelope& cmd) {
      auto rp = self->make_response_promise<command_result>();
      pipeline.run(std::move(cmd),
                   [rp](command_reply r) mutable {
                     if (r)
                       rp.deliver(*r);
                     else
                       rp.deliver(std::move(r.error()));
                   },
                   route);
      return rp;
    },
    [self, timeout = cfg.timeout](tick_atom) {
      auto& st = self->state;
      st.timeouts.swept();
      st.timeouts.expire(std::chrono::steady_clock::now(),
                         [&](routed_command& c) {
                           c.reply(make_error(errc::timeout,
                                              "command " + c.type
                                                + " got no answer within "
                                                + std::to_string(timeout.count())
                                                + " ms"));
                         });
      detail::schedule_sweep(self, self->state.timeouts, timeout,
                           tick_atom::value);
    },
  };
}

} // namespace

caf::error add_routes(command_bus_config& cfg,
                      const std::vector<std::string>& names,
                      const command_handler_actor& handler) {
  for (const auto& name : names)
    if (cfg.routes.count(name) != 0)
      return make_error(errc::invalid_argument,
                        "command '" + name + "' is routed already");
  for (const auto& name : names)
    cfg.routes.emplace(name, handler);
  return {};
}

command_bus_actor spawn_command_bus(caf::actor_system& sys, command_bus_config cfg) {
  return sys.spawn(bus_impl, std::move(cfg));
}

} // namespace mink
