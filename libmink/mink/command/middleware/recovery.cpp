#include "mink/command/middleware/recovery.hpp"

#include <exception>
#include <memory>
#include <utility>

#include "mink/errc.hpp"

namespace mink {

middleware exception_recovery() {
  return [](command_envelope cmd, reply_fn reply, const next_fn& next) {
    auto type = cmd.type;
    // The reply must go out once: if `next` threw after replying, the
    // exception is not answered again.
    auto replied = std::make_shared<bool>(false);
    reply_fn once = [reply, replied](command_reply r) {
      if (!std::exchange(*replied, true))
        reply(std::move(r));
    };
    try {
      next(std::move(cmd), once);
    } catch (const std::exception& ex) {
      once(make_error(errc::handler_failed,
                      "command " + type + " failed: " + ex.what()));
    } catch (...) {
      once(make_error(errc::handler_failed,
                      "command " + type + " failed: unknown exception"));
    }
  };
}

} // namespace mink
