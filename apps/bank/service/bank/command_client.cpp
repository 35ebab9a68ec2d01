#include "bank/command_client.hpp"

#include <caf/all.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"

namespace bank {

namespace {

caf::error map_error(caf::error err) {
  if (err == caf::sec::request_timeout)
    return mink::make_error(mink::errc::timeout,
                            "the command got no answer in time");
  if (err.category() == caf::atom("system") || err.category() == caf::atom("exit"))
    return mink::make_error(mink::errc::store_unavailable,
                            "the service is shutting down: "
                              + caf::to_string(err));
  return err;
}

} // namespace

command_client::command_client(caf::actor_system& sys, caf::actor bus,
                               std::chrono::milliseconds timeout)
  : sys_(sys), bus_(std::move(bus)), timeout_(timeout) {
  // nop
}

caf::expected<mink::command_result>
command_client::send(mink::command_envelope cmd) const {
  std::vector<mink::command_envelope> one;
  one.push_back(std::move(cmd));
  return std::move(send_all(std::move(one)).front());
}

std::vector<caf::expected<mink::command_result>>
command_client::send_all(std::vector<mink::command_envelope> cmds) const {
  std::vector<caf::expected<mink::command_result>> out;
  out.reserve(cmds.size());
  caf::scoped_actor self{sys_};
  using handle_t = decltype(self->request(bus_, timeout_,
                                          mink::command_atom::value,
                                          std::move(cmds.front())));
  std::vector<handle_t> handles;
  handles.reserve(cmds.size());
  for (auto& cmd : cmds)
    handles.push_back(self->request(bus_, timeout_, mink::command_atom::value,
                                    std::move(cmd)));
  for (auto& h : handles) {
    caf::expected<mink::command_result> res{caf::error{}};
    h.receive([&](mink::command_result& r) { res = r; },
              [&](caf::error& err) { res = map_error(std::move(err)); });
    out.push_back(std::move(res));
  }
  return out;
}

} // namespace bank
