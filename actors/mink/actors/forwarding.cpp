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
                          const std::string& cluster,
                          std::chrono::milliseconds heartbeat,
                          std::chrono::milliseconds timeout) {
  cfg.load<caf::io::middleman>();
  // Nodes of other clusters (or other CAF programs) cannot connect.
  cfg.set("middleman.app-identifiers",
          std::vector<std::string>{"mink:" + cluster});
  cfg.add_message_type<forward_envelope>("mink_forward_envelope");
  cfg.add_message_type<forward_result>("mink_forward_result");
  cfg.set("middleman.heartbeat-interval", caf::timespan{heartbeat});
  cfg.set("middleman.connection-timeout", caf::timespan{timeout});
}

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

namespace {

// -- endpoint -----------------------------------------------------------------

forward_endpoint_actor::behavior_type
endpoint_impl(forward_endpoint_actor::pointer self,
              std::shared_ptr<const forward_routes> routes, std::string member,
              std::chrono::milliseconds timeout) {
  return {
    [=](forward_atom, forward_envelope& x) -> caf::result<forward_result> {
      // Another run, or another cluster, may listen where the sender
      // thinks the owner is.
      if (x.target != member)
        return make_error(errc::not_owner,
                          "the command was meant for " + x.target + ", not "
                            + member + ": retry");
      if (!routes->is_open())
        return make_error(errc::not_owner,
                          "the owner of " + x.aggregate_type + "-"
                            + x.aggregate_id + " is starting: retry");
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

} // namespace

forward_endpoint_actor
spawn_forward_endpoint(caf::actor_system& sys,
                       std::shared_ptr<const forward_routes> routes,
                       std::string member, std::chrono::milliseconds timeout) {
  return sys.spawn(endpoint_impl, std::move(routes), std::move(member),
                   timeout);
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

} // namespace mink
