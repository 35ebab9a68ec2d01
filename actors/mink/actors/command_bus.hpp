#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "mink/actors/interfaces.hpp"
#include "mink/command/declared_commands.hpp"
#include "mink/command/pipeline.hpp"

namespace mink {

/// Where commands go and what runs around them.
struct command_bus_config {
  /// Command type -> the router (or any actor answering
  /// `(command_atom, command_envelope)` with `command_result`).
  std::map<std::string, command_handler_actor> routes;
  /// Middleware, run in order before the command reaches its router.
  command_pipeline pipeline;
  /// How long the bus waits for the router's answer; then the caller gets
  /// `errc::timeout` (up to a tenth of it later, at most 100 ms: the bus
  /// looks for timeouts that often instead of timing each command). The command may still complete later: its events are
  /// then stored, and a retry with the same command id is answered from the
  /// command record instead of running twice.
  std::chrono::milliseconds timeout{std::chrono::seconds{10}};
};

/// Routes every command of `Decider`'s command variant (declared with
/// `MINK_COMMAND`) to `handler`, usually the router of its aggregates.
/// Fails with `errc::invalid_argument` naming a command that has a route
/// already.
template <class Decider>
[[nodiscard]] caf::error route(command_bus_config& cfg,
                               const command_handler_actor& handler) {
  return add_routes(cfg, routed_command_names<Decider>(), handler);
}

/// Routes the commands named `names` to `handler` (see `route`).
[[nodiscard]] caf::error add_routes(command_bus_config& cfg,
                                    const std::vector<std::string>& names,
                                    const command_handler_actor& handler);

/// Spawns the command bus: it answers `(command_atom, command_envelope)` with
/// `command_result` or the error. It runs the pipeline, then routes by
/// command type; an unknown type is `invalid_argument` naming it.
command_bus_actor spawn_command_bus(caf::actor_system& sys, command_bus_config cfg);

} // namespace mink
