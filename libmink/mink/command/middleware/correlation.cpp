#include "mink/command/middleware/correlation.hpp"

namespace mink {

middleware correlation() {
  return [](command_envelope cmd, reply_fn reply, const next_fn& next) {
    if (cmd.meta.correlation_id.empty())
      cmd.meta.correlation_id = cmd.command_id;
    next(std::move(cmd), std::move(reply));
  };
}

} // namespace mink
