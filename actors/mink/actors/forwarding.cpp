#include "mink/actors/forwarding.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "mink/errc.hpp"

namespace mink {

// -- routes -------------------------------------------------------------------

void forward_routes::add(const std::string& command_name, entry x) {
  std::lock_guard<std::mutex> guard{mtx_};
  entries_[command_name] = std::move(x);
}

std::optional<forward_routes::entry>
forward_routes::find(const std::string& command_name) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = entries_.find(command_name);
  if (i == entries_.end())
    return std::nullopt;
  return i->second;
}

void configure_forwarding(caf::actor_system_config& cfg,
                          std::chrono::milliseconds heartbeat,
                          std::chrono::milliseconds timeout) {
  cfg.load<caf::io::middleman>();
  cfg.add_message_type<forward_envelope>("mink_forward_envelope");
  cfg.add_message_type<forward_result>("mink_forward_result");
  cfg.set("middleman.heartbeat-interval", caf::timespan{heartbeat});
  cfg.set("middleman.connection-timeout", caf::timespan{timeout});
}

namespace {

/// `host:port` split; `invalid_argument` naming `address` otherwise.
caf::expected<std::pair<std::string, uint16_t>>
split_address(const std::string& address) {
  auto colon = address.rfind(':');
  auto bad = [&](const char* why) {
    return make_error(errc::invalid_argument,
                      "cluster: node address " + address + " " + why);
  };
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size())
    return bad("is not host:port");
  int port = 0;
  for (size_t i = colon + 1; i < address.size(); ++i) {
    auto c = address[i];
    if (c < '0' || c > '9' || port > 65535)
      return bad("has no port number (0 to 65535)");
    port = port * 10 + (c - '0');
  }
  if (port > 65535)
    return bad("has no port number (0 to 65535)");
  return std::make_pair(address.substr(0, colon), static_cast<uint16_t>(port));
}

caf::error unreachable(const std::string& owner, const std::string& address,
                       const std::string& why) {
  return make_error(errc::not_owner,
                    "the owner " + owner + " at " + address
                      + " cannot be reached (" + why
                      + "): retry, the slice may be moving");
}

// -- endpoint -----------------------------------------------------------------

forward_endpoint_actor::behavior_type
endpoint_impl(forward_endpoint_actor::pointer self,
              std::shared_ptr<const forward_routes> routes,
              std::chrono::milliseconds timeout) {
  return {
    [=](forward_atom, forward_envelope& x) -> caf::result<forward_result> {
      auto route = routes->find(x.type);
      if (!route || !route->codec.usable())
        return make_error(errc::invalid_argument,
                          "command " + x.type + " is not run on this node");
      auto payload = route->codec.decode(x.type, x.body);
      if (!payload)
        return std::move(payload.error());
      command_envelope env;
      env.type = std::move(x.type);
      env.aggregate_type = std::move(x.aggregate_type);
      env.aggregate_id = std::move(x.aggregate_id);
      env.command_id = std::move(x.command_id);
      env.meta.correlation_id = std::move(x.correlation_id);
      env.meta.causation_id = std::move(x.causation_id);
      env.meta.user_id = std::move(x.user_id);
      env.meta.tenant_id = std::move(x.tenant_id);
      env.meta.custom = std::move(x.custom);
      env.payload = std::move(*payload);
      env.expects_no_stream = x.expects_no_stream;
      env.forwarded = true;
      auto rp = self->make_response_promise<forward_result>();
      self->request(route->router, timeout, command_atom::value, std::move(env))
        .then(
          [rp](command_result& r) mutable {
            rp.deliver(forward_result{r.version, r.position});
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}

// -- forwarder ----------------------------------------------------------------

struct forwarder_state {
  std::shared_ptr<const cluster::ownership> own;
  std::shared_ptr<const forward_routes> routes;
  std::chrono::milliseconds timeout;
  std::shared_ptr<forward_stats> stats;
  logger_ptr log;
  /// Endpoints connected to, by address.
  std::map<std::string, forward_endpoint_actor> peers;
  static inline const char* name = "mink.forwarder";
};

using forwarder_self
  = command_handler_actor::stateful_pointer<forwarder_state>;

/// The endpoint at `address` (`host:port`), connected on first use.
caf::expected<forward_endpoint_actor> peer(forwarder_self self,
                                           const std::string& address) {
  auto& st = self->state;
  if (auto i = st.peers.find(address); i != st.peers.end())
    return i->second;
  auto where = split_address(address);
  if (!where)
    return std::move(where.error());
  auto remote = self->system().middleman().remote_actor<forward_endpoint_actor>(
    where->first, where->second);
  if (!remote)
    return std::move(remote.error());
  st.peers.emplace(address, *remote);
  return *remote;
}

caf::result<command_result> forward(forwarder_self self,
                                    command_envelope& cmd) {
  auto& st = self->state;
  auto r = st.own->route_of(cmd.stream_id());
  auto fail = [&](caf::error err) -> caf::result<command_result> {
    st.stats->failed.fetch_add(1, std::memory_order_relaxed);
    return err;
  };
  if (r.local || r.owner.empty() || r.address.empty())
    return fail(make_error(errc::not_owner,
                           "slice " + std::to_string(r.slice) + " of "
                             + cmd.stream_id()
                             + " has no other owner now: retry"));
  auto route = st.routes->find(cmd.type);
  if (!route || !route->codec.usable())
    return fail(make_error(errc::not_owner,
                           "node " + r.owner + " owns " + cmd.stream_id()
                             + ", and command " + cmd.type
                             + " has no codec to pass it on"));
  auto body = route->codec.encode(cmd.payload);
  if (!body)
    return fail(std::move(body.error()));
  auto endpoint = peer(self, r.address);
  if (!endpoint)
    return fail(unreachable(r.owner, r.address, to_text(endpoint.error())));
  forward_envelope x{cmd.type,
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
  st.stats->forwarded.fetch_add(1, std::memory_order_relaxed);
  auto rp = self->make_response_promise<command_result>();
  self->request(*endpoint, st.timeout, forward_atom::value, std::move(x))
    .then(
      [rp](forward_result& res) mutable {
        rp.deliver(command_result{res.version, res.position});
      },
      [self, rp, owner = r.owner, address = r.address](caf::error& err) mutable {
        // The command's own answers (business errors, conflicts) pass
        // through; a node that does not answer is dropped, to be
        // connected again next time.
        if (err.category() == caf::atom("system")) {
          self->state.peers.erase(address);
          self->state.stats->failed.fetch_add(1, std::memory_order_relaxed);
          rp.deliver(unreachable(owner, address, caf::to_string(err)));
          return;
        }
        rp.deliver(std::move(err));
      });
  return rp;
}

} // namespace

forward_endpoint_actor
spawn_forward_endpoint(caf::actor_system& sys,
                       std::shared_ptr<const forward_routes> routes,
                       std::chrono::milliseconds timeout) {
  return sys.spawn(endpoint_impl, std::move(routes), timeout);
}

caf::expected<std::string>
publish_forward_endpoint(caf::actor_system& sys,
                         const forward_endpoint_actor& endpoint,
                         const std::string& address) {
  auto where = split_address(address);
  if (!where)
    return std::move(where.error());
  auto& [host, port] = *where;
  auto bound = sys.middleman().publish(endpoint, port, host.c_str(), true);
  if (!bound)
    return make_error(errc::invalid_argument,
                      "cluster: cannot listen on " + address + ": "
                        + caf::to_string(bound.error()));
  return host + ":" + std::to_string(*bound);
}

command_handler_actor
spawn_forwarder(caf::actor_system& sys,
                std::shared_ptr<const cluster::ownership> own,
                std::shared_ptr<const forward_routes> routes,
                std::chrono::milliseconds timeout,
                std::shared_ptr<forward_stats> stats, logger_ptr log) {
  auto impl = [](forwarder_self self,
                 std::shared_ptr<const cluster::ownership> o,
                 std::shared_ptr<const forward_routes> r,
                 std::chrono::milliseconds t, std::shared_ptr<forward_stats> s,
                 logger_ptr l) -> command_handler_actor::behavior_type {
    self->state.own = std::move(o);
    self->state.routes = std::move(r);
    self->state.timeout = t;
    self->state.stats = std::move(s);
    self->state.log = or_default(std::move(l));
    return {
      [self](command_atom, command_envelope& cmd) {
        return forward(self, cmd);
      },
    };
  };
  return sys.spawn<caf::detached>(impl, std::move(own), std::move(routes),
                                  timeout, std::move(stats), std::move(log));
}

} // namespace mink
