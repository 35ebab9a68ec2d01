#include "mink/actors/command_bus.hpp"

#include <caf/all.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

caf::behavior bus_impl(caf::event_based_actor* self, command_bus_config cfg) {
  // Sends the command to its router; the answer comes back through `reply`.
  next_fn route = [self, routes = cfg.routes,
                   timeout = cfg.timeout](command_envelope cmd,
                                          reply_fn reply) {
    auto i = routes.find(cmd.type);
    if (i == routes.end()) {
      reply(make_error(errc::invalid_argument,
                       "unknown command type '" + cmd.type + "'"));
      return;
    }
    auto type = cmd.type;
    self->request(i->second, timeout, command_atom::value, std::move(cmd))
      .then([reply](command_result& res) { reply(res); },
            [reply, type, timeout](caf::error& err) {
              if (err == caf::sec::request_timeout)
                reply(make_error(errc::timeout,
                                 "command " + type + " got no answer within "
                                   + std::to_string(timeout.count())
                                   + " ms"));
              else
                reply(std::move(err));
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
  };
}

} // namespace

caf::actor spawn_command_bus(caf::actor_system& sys, command_bus_config cfg) {
  return sys.spawn(bus_impl, std::move(cfg));
}

} // namespace mink
