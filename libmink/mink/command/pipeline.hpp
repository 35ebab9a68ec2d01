#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <caf/expected.hpp>

#include "mink/command/command.hpp"

namespace mink {

/// The answer to a command: its result or its error.
using command_reply = caf::expected<command_result>;

/// Delivers the answer to a command; called exactly once.
using reply_fn = std::function<void(command_reply)>;

/// Passes a command on to the rest of the pipeline.
using next_fn = std::function<void(command_envelope, reply_fn)>;

/// One piece of the command pipeline. It may look at or change the command,
/// answer it itself (without calling `next`), or pass it on, possibly with
/// a `reply` of its own that sees the answer on its way back. Pieces are
/// written in continuation-passing style so that the end of the pipeline can
/// be asynchronous (an actor request). A piece must call `next` before it
/// returns, on the calling thread: in the command bus, the end of the
/// pipeline runs in the bus actor's own context.
using middleware = std::function<void(command_envelope cmd, reply_fn reply,
                                      const next_fn& next)>;

/// Middleware run in order around a terminal handler.
class command_pipeline {
public:
  /// Appends a piece; the first added runs first (outermost).
  command_pipeline& use(middleware m);

  /// Runs `cmd` through every piece, then `terminal`.
  void run(command_envelope cmd, reply_fn reply, next_fn terminal) const;

  size_t size() const noexcept { return pieces_->size(); }

private:
  /// Shared with runs in progress (their `next` may run later); `use`
  /// copies it when a run still holds it.
  std::shared_ptr<std::vector<middleware>> pieces_
    = std::make_shared<std::vector<middleware>>();
};

} // namespace mink
