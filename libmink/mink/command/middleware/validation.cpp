#include "mink/command/middleware/validation.hpp"

#include "mink/errc.hpp"
#include "mink/stream_id.hpp"
#include "mink/uuid.hpp"

namespace mink {

namespace {

caf::error check_envelope(command_envelope& cmd) {
  auto bad = [](std::string what) {
    return make_error(errc::invalid_argument, std::move(what));
  };
  if (cmd.type.empty())
    return bad("command type is empty");
  if (cmd.aggregate_type.empty())
    return bad("command " + cmd.type + ": aggregate type is empty");
  if (cmd.aggregate_id.empty())
    return bad("command " + cmd.type + ": aggregate id is empty");
  if (auto err = validate_stream_id(cmd.stream_id()))
    return bad("command " + cmd.type + ": " + to_text(err));
  if (cmd.command_id.empty())
    cmd.command_id = make_uuid();
  else if (!is_uuid(cmd.command_id))
    return bad("command " + cmd.type + ": command id is not a UUID");
  if (!cmd.payload.has_value())
    return bad("command " + cmd.type + " has no payload");
  return {};
}

} // namespace

middleware validation(std::map<std::string, command_validator> validators) {
  return [validators = std::move(validators)](command_envelope cmd,
                                              reply_fn reply,
                                              const next_fn& next) {
    if (auto err = check_envelope(cmd)) {
      reply(std::move(err));
      return;
    }
    if (auto i = validators.find(cmd.type); i != validators.end())
      if (auto err = i->second(cmd)) {
        reply(std::move(err));
        return;
      }
    next(std::move(cmd), std::move(reply));
  };
}

} // namespace mink
