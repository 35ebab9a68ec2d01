#include "mink/command/middleware/logging.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "mink/errc.hpp"

namespace mink {

middleware logging(std::shared_ptr<spdlog::logger> logger) {
  return [logger](command_envelope cmd, reply_fn reply, const next_fn& next) {
    auto log = logger ? logger : spdlog::default_logger();
    auto start = std::chrono::steady_clock::now();
    auto type = cmd.type;
    auto stream = cmd.stream_id();
    auto command_id = cmd.command_id;
    auto correlation = cmd.meta.correlation_id;
    reply_fn logged = [=](command_reply r) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
      if (r)
        log->debug("command {} on {} ok: version {}, position {} ({} us) "
                   "command_id={} correlation_id={}",
                   type, stream, r->version, r->position, us, command_id,
                   correlation);
      else
        log->warn("command {} on {} failed: {} ({} us) command_id={} "
                  "correlation_id={}",
                  type, stream, to_text(r.error()), us, command_id,
                  correlation);
      reply(std::move(r));
    };
    next(std::move(cmd), std::move(logged));
  };
}

} // namespace mink
