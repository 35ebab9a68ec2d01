// The forwarder of a clustered node (see forwarding.hpp).

#include "mink/actors/forwarding.hpp"

#include <deque>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "mink/errc.hpp"

namespace mink {

namespace {

using clock_type = std::chrono::steady_clock;

/// A command waiting for its owner's connection.
struct waiting_command {
  std::string owner;
  forward_envelope envelope;
  caf::typed_response_promise<command_result> promise;
  clock_type::time_point deadline;
};

/// What the forwarder knows of one node's endpoint.
struct peer_state {
  forward_endpoint_actor handle;
  bool connecting = false;
  /// After a failed connect: no new one before this.
  clock_type::time_point retry_after{};
  std::deque<waiting_command> waiting;
};

/// At most this many commands wait for connections, in all.
constexpr size_t max_waiting = 10000;

struct forwarder_state {
  std::shared_ptr<const cluster::ownership> own;
  std::shared_ptr<const forward_routes> routes;
  std::chrono::milliseconds timeout;
  std::shared_ptr<forward_stats> stats;
  logger_ptr log;
  std::map<std::string, peer_state> peers;
  size_t waiting = 0;
  bool tick_due = false;
  static inline const char* name = "mink.forwarder";
};

using forwarder_actor = command_handler_actor::extend<
  caf::reacts_to<connect_atom, std::string, forward_endpoint_actor,
                 std::string>,
  caf::reacts_to<tick_atom>>;

using forwarder_self = forwarder_actor::stateful_pointer<forwarder_state>;

caf::error unreachable(const std::string& owner, const std::string& address,
                       const std::string& why) {
  return make_error(errc::not_owner,
                    "the owner " + owner + " at " + address
                      + " cannot be reached (" + why
                      + "); nothing was sent: retry, the slice may be moving");
}

void fail(forwarder_state& st) {
  st.stats->failed.fetch_add(1, std::memory_order_relaxed);
}

/// Sends `x` to `to` and relays the answer to `rp`.
void send_to(forwarder_self self, const forward_endpoint_actor& to,
             forward_envelope x, caf::typed_response_promise<command_result> rp,
             const std::string& address) {
  self->state.stats->forwarded.fetch_add(1, std::memory_order_relaxed);
  auto owner = x.target;
  self->request(to, self->state.timeout, forward_atom::value, std::move(x))
    .then(
      [rp](forward_result& res) mutable {
        rp.deliver(command_result{res.version, res.position});
      },
      [self, rp, owner, address](caf::error& err) mutable {
        // The command's own answers (business errors, conflicts) pass
        // through; no answer from the owner leaves its outcome unknown.
        if (err.category() == caf::atom("system")) {
          fail(self->state);
          rp.deliver(make_error(errc::timeout,
                                "the owner " + owner + " at " + address
                                  + " did not answer (" + caf::to_string(err)
                                  + "): the command may have run; repeat it "
                                    "with the same command id"));
          return;
        }
        rp.deliver(std::move(err));
      });
}

/// Starts a helper that connects to `address` and tells the forwarder.
void connect(forwarder_self self, const std::string& address,
             peer_state& peer) {
  peer.connecting = true;
  auto where = split_address(address);
  if (!where) {
    self->send(self, connect_atom::value, address, forward_endpoint_actor{},
               to_text(where.error()));
    return;
  }
  auto fwd = caf::actor_cast<forwarder_actor>(self);
  self->system().spawn<caf::detached>(
    [fwd, address, host = where->first, port = where->second] {
      auto& mm = fwd.home_system().middleman();
      auto remote = mm.remote_actor<forward_endpoint_actor>(host, port);
      if (remote)
        caf::anon_send(fwd, connect_atom::value, address, *remote,
                       std::string{});
      else
        caf::anon_send(fwd, connect_atom::value, address,
                       forward_endpoint_actor{},
                       caf::to_string(remote.error()));
    });
}

/// Answers the waiting commands whose time is up; ticks again while any
/// wait.
void expire(forwarder_self self) {
  auto& st = self->state;
  st.tick_due = false;
  auto now = clock_type::now();
  for (auto& [address, peer] : st.peers)
    while (!peer.waiting.empty() && peer.waiting.front().deadline <= now) {
      auto& w = peer.waiting.front();
      fail(st);
      w.promise.deliver(unreachable(w.owner, address, "not connected in time"));
      peer.waiting.pop_front();
      --st.waiting;
    }
  if (st.waiting > 0) {
    st.tick_due = true;
    self->delayed_send(self, std::chrono::milliseconds{100}, tick_atom::value);
  }
}

void connected(forwarder_self self, const std::string& address,
               forward_endpoint_actor handle, const std::string& why) {
  auto& st = self->state;
  auto& peer = st.peers[address];
  peer.connecting = false;
  auto waiting = std::move(peer.waiting);
  peer.waiting.clear();
  st.waiting -= waiting.size();
  if (!handle) {
    peer.retry_after = clock_type::now() + std::chrono::seconds{1};
    st.log->warn("mink cluster: cannot connect to {}: {}", address, why);
    for (auto& w : waiting) {
      fail(st);
      w.promise.deliver(unreachable(w.owner, address, why));
    }
    return;
  }
  // Its death (or a closed connection) drops it, so the next command
  // connects again instead of waiting for a timeout.
  self->monitor(handle);
  peer.handle = handle;
  for (auto& w : waiting)
    send_to(self, handle, std::move(w.envelope), std::move(w.promise), address);
}

caf::result<command_result> forward(forwarder_self self,
                                    command_envelope& cmd) {
  auto& st = self->state;
  auto r = st.own->route_of(cmd.stream_id());
  if (r.local || r.owner.empty() || r.address.empty()
      || r.owner == st.own->node_id()) {
    fail(st);
    return make_error(errc::not_owner,
                      "slice " + std::to_string(r.slice) + " of "
                        + cmd.stream_id()
                        + " has no other owner now: retry");
  }
  auto route = st.routes->find(cmd.type);
  if (!route || !route->codec.usable()) {
    fail(st);
    return make_error(errc::not_owner,
                      "node " + r.owner + " owns " + cmd.stream_id()
                        + ", and command " + cmd.type
                        + " has no codec to pass it on");
  }
  auto body = route->codec.encode(cmd.payload);
  if (!body) {
    fail(st);
    return std::move(body.error());
  }
  forward_envelope x{r.owner,
                     cmd.type,
                     cmd.aggregate_type,
                     cmd.aggregate_id,
                     cmd.command_id,
                     cmd.meta.correlation_id,
                     cmd.meta.causation_id,
                     cmd.meta.user_id,
                     cmd.meta.tenant_id,
                     cmd.meta.custom,
                     std::move(*body),
                     cmd.expects_no_stream};
  auto rp = self->make_response_promise<command_result>();
  auto& peer = st.peers[r.address];
  if (peer.handle) {
    send_to(self, peer.handle, std::move(x), rp, r.address);
    return rp;
  }
  if (!peer.connecting && clock_type::now() < peer.retry_after) {
    fail(st);
    return unreachable(r.owner, r.address, "a connect failed within a second");
  }
  if (st.waiting >= max_waiting) {
    fail(st);
    return make_error(errc::overloaded,
                      "too many commands wait for connections to other nodes");
  }
  if (!peer.connecting)
    connect(self, r.address, peer);
  peer.waiting.push_back(waiting_command{r.owner, std::move(x), rp,
                                         clock_type::now() + st.timeout});
  ++st.waiting;
  if (!st.tick_due) {
    st.tick_due = true;
    self->delayed_send(self, std::chrono::milliseconds{100}, tick_atom::value);
  }
  return rp;
}

forwarder_actor::behavior_type
forwarder_impl(forwarder_self self, std::shared_ptr<const cluster::ownership> own,
               std::shared_ptr<const forward_routes> routes,
               std::chrono::milliseconds timeout,
               std::shared_ptr<forward_stats> stats, logger_ptr log) {
  auto& st = self->state;
  st.own = std::move(own);
  st.routes = std::move(routes);
  st.timeout = timeout;
  st.stats = std::move(stats);
  st.log = or_default(std::move(log));
  self->set_down_handler([self](caf::down_msg& msg) {
    for (auto& [address, peer] : self->state.peers)
      if (peer.handle && peer.handle.address() == msg.source)
        peer.handle = forward_endpoint_actor{};
  });
  return {
    [self](command_atom, command_envelope& cmd) { return forward(self, cmd); },
    [self](connect_atom, const std::string& address,
           forward_endpoint_actor& handle, const std::string& why) {
      connected(self, address, std::move(handle), why);
    },
    [self](tick_atom) { expire(self); },
  };
}

} // namespace

command_handler_actor
spawn_forwarder(caf::actor_system& sys,
                std::shared_ptr<const cluster::ownership> own,
                std::shared_ptr<const forward_routes> routes,
                std::chrono::milliseconds timeout,
                std::shared_ptr<forward_stats> stats, logger_ptr log) {
  auto fwd = sys.spawn(forwarder_impl, std::move(own), std::move(routes),
                       timeout, std::move(stats), std::move(log));
  return caf::actor_cast<command_handler_actor>(fwd);
}

} // namespace mink
