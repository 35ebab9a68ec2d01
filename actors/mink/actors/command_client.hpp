#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <caf/typed_actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "mink/actors/interfaces.hpp"
#include "mink/command/command.hpp"

namespace mink {

namespace detail {
struct pending_command;
} // namespace detail

/// Sends commands to the command bus from code outside CAF: HTTP handlers
/// (asynchronously: `send` with a callback) and threads that may block,
/// such as projection runners (`send_wait`, `send_all`). Thread-safe.
///
/// Errors: `errc::timeout` when the bus does not answer within the
/// timeout (the command may still complete: repeat it with the same
/// command id to learn its outcome); `store_unavailable` while the actor
/// system shuts down; otherwise the command's own error.
class command_client {
public:
  using callback = std::function<void(caf::expected<command_result>)>;

  /// `bus` answers `(command_atom, command_envelope)`; `timeout` bounds
  /// each command (make it longer than the bus's own timeout, so the bus
  /// answers first).
  command_client(caf::actor_system& sys, command_handler_actor bus,
                 std::chrono::milliseconds timeout);

  /// Copies share the bridge, which ends when the last copy goes. (No
  /// move: a moved-from client would still send, into a bridge that
  /// may be gone.)
  command_client(const command_client&) = default;

  /// Sends `cmd`; `done` runs once with the answer, on a thread of CAF's
  /// scheduler (it must not block). The caller's thread does not wait.
  void send(command_envelope cmd, callback done) const;

  /// Sends `cmd` and waits for its answer.
  [[nodiscard]] caf::expected<command_result>
  send_wait(command_envelope cmd) const;

  /// Sends all of `cmds` at once and waits for every answer, in order.
  [[nodiscard]] std::vector<caf::expected<command_result>>
  send_all(std::vector<command_envelope> cmds) const;

  /// The actor that turns a call of `send` into a request to the bus
  /// (internal).
  using bridge_actor
    = caf::typed_actor<caf::reacts_to<std::shared_ptr<detail::pending_command>>,
                       caf::reacts_to<tick_atom>, caf::reacts_to<close_atom>>;

private:
  /// Ends the bridge when the last copy of the client goes.
  struct bridge_owner;

  caf::actor_system& sys_;
  command_handler_actor bus_;
  bridge_actor bridge_;
  std::shared_ptr<bridge_owner> owner_;
  std::chrono::milliseconds timeout_;
};

} // namespace mink
