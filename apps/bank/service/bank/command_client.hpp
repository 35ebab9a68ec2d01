#pragma once

#include <chrono>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "mink/command/command.hpp"

namespace bank {

/// Sends commands to the command bus from threads outside CAF (HTTP
/// handlers, projection runners) and waits for the answers. Thread-safe:
/// every call uses a `caf::scoped_actor` of its own.
class command_client {
public:
  command_client(caf::actor_system& sys, caf::actor bus,
                 std::chrono::milliseconds timeout);

  /// Sends `cmd` and waits for its answer; `errc::timeout` after the
  /// timeout (the command may still complete: repeat it with the same
  /// command id to learn its outcome).
  [[nodiscard]] caf::expected<mink::command_result>
  send(mink::command_envelope cmd) const;

  /// Sends all of `cmds` at once and waits for every answer, in order.
  [[nodiscard]] std::vector<caf::expected<mink::command_result>>
  send_all(std::vector<mink::command_envelope> cmds) const;

private:
  caf::actor_system& sys_;
  caf::actor bus_;
  std::chrono::milliseconds timeout_;
};

} // namespace bank
