#include "mink/actors/command_client.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include <caf/all.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/actors/detail/timeout_queue.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

caf::error map_error(caf::error err) {
  if (err == caf::sec::request_timeout)
    return make_error(errc::timeout, "the command got no answer in time");
  if (err.category() == caf::atom("system")
      || err.category() == caf::atom("exit"))
    return make_error(errc::store_unavailable,
                      "the service is shutting down: " + caf::to_string(err));
  return err;
}

} // namespace

namespace detail {

/// A callback as a message (it never leaves the process).
struct pending_command {
  command_envelope cmd;
  command_client::callback callback;
  /// Whether `callback` ran (the answer or the timeout came).
  bool done = false;

  void answer(caf::expected<command_result> x) {
    if (done)
      return;
    done = true;
    callback(std::move(x));
  }
};

} // namespace detail

} // namespace mink

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<mink::detail::pending_command>)

namespace mink {

namespace {

struct bridge_state {
  detail::timeout_queue<detail::pending_command> timeouts;
  /// Requests to the bus not answered yet (timed out ones included).
  size_t open = 0;
  /// The client is gone: end when `open` is 0.
  bool closing = false;
  static inline const char* name = "mink.command_client";
};

using bridge_self = command_client::bridge_actor::stateful_pointer<bridge_state>;

// Turns a foreign thread's `send` into an actor-to-actor request, the fast
// path of CAF (a blocking request from outside is 50 times slower). The
// request has no CAF timeout (each would take the clock thread's lock):
// the bridge sweeps its own (see `timeout_queue`).
command_client::bridge_actor::behavior_type bridge(bridge_self self, command_handler_actor bus,
                     std::chrono::milliseconds timeout) {
  // Monitored, not linked: the bridge goes when the bus goes (at
  // shutdown), but a dropped client must not take the bus with it (a link
  // would pass the bridge's exit on to the bus).
  self->monitor(bus);
  self->set_down_handler([=](const caf::down_msg& msg) {
    if (msg.source != bus.address())
      return;
    // No answer will come: every caller still waiting hears it now.
    self->state.timeouts.expire(
      std::chrono::steady_clock::time_point::max(),
      [](detail::pending_command& p) {
        p.callback(make_error(errc::store_unavailable,
                              "the command bus is down"));
      });
    self->quit(msg.reason);
  });
  auto answered = [self] {
    auto& st = self->state;
    if (--st.open == 0 && st.closing)
      self->quit();
  };
  return {
    [=](const std::shared_ptr<detail::pending_command>& p) {
      self->state.timeouts.add(p, std::chrono::steady_clock::now() + timeout);
      detail::schedule_sweep(self, self->state.timeouts, timeout,
                           tick_atom::value);
      ++self->state.open;
      self->request(bus, caf::infinite, command_atom::value, std::move(p->cmd))
        .then(
          [p, answered](command_result& r) {
            p->answer(r);
            answered();
          },
          [p, answered](caf::error& err) {
            p->answer(map_error(std::move(err)));
            answered();
          });
    },
    [=](close_atom) {
      self->state.closing = true;
      if (self->state.open == 0)
        self->quit();
    },
    [=](tick_atom) {
      auto& st = self->state;
      st.timeouts.swept();
      st.timeouts.expire(std::chrono::steady_clock::now(),
                         [](detail::pending_command& p) {
                           p.callback(make_error(
                             errc::timeout, "the command got no answer in time"));
                         });
      detail::schedule_sweep(self, self->state.timeouts, timeout,
                           tick_atom::value);
    },
  };
}

} // namespace

struct command_client::bridge_owner {
  bridge_actor bridge;

  explicit bridge_owner(bridge_actor x) : bridge(std::move(x)) {
    // nop
  }

  bridge_owner(const bridge_owner&) = delete;
  bridge_owner& operator=(const bridge_owner&) = delete;

  ~bridge_owner() {
    // Not an exit: commands in flight still get their answers.
    caf::anon_send(bridge, close_atom::value);
  }
};

command_client::command_client(caf::actor_system& sys,
                               command_handler_actor bus,
                               std::chrono::milliseconds timeout)
  : sys_(sys), bus_(std::move(bus)), timeout_(timeout) {
  bridge_ = sys.spawn(bridge, bus_, timeout_);
  owner_ = std::make_shared<bridge_owner>(bridge_);
}

void command_client::send(command_envelope cmd, callback done) const {
  auto p = std::make_shared<detail::pending_command>();
  p->cmd = std::move(cmd);
  p->callback = std::move(done);
  caf::anon_send(bridge_, std::move(p));
}

caf::expected<command_result>
command_client::send_wait(command_envelope cmd) const {
  std::vector<command_envelope> one;
  one.push_back(std::move(cmd));
  return std::move(send_all(std::move(one)).front());
}

std::vector<caf::expected<command_result>>
command_client::send_all(std::vector<command_envelope> cmds) const {
  std::vector<caf::expected<command_result>> out;
  out.reserve(cmds.size());
  if (cmds.empty())
    return out;
  caf::scoped_actor self{sys_};
  using handle_t = decltype(self->request(bus_, timeout_, command_atom::value,
                                          std::move(cmds.front())));
  std::vector<handle_t> handles;
  handles.reserve(cmds.size());
  for (auto& cmd : cmds)
    handles.push_back(
      self->request(bus_, timeout_, command_atom::value, std::move(cmd)));
  for (auto& h : handles) {
    caf::expected<command_result> res{caf::error{}};
    h.receive([&](command_result& r) { res = r; },
              [&](caf::error& err) { res = map_error(std::move(err)); });
    out.push_back(std::move(res));
  }
  return out;
}

} // namespace mink
