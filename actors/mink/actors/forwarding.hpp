#pragma once

// Commands passed between the nodes of a cluster (docs/scaling.md): a node
// that does not own a command's slice forwards it to the owner's endpoint
// over CAF's network layer, in one envelope type whose payload is the
// command's JSON. Correctness does not rest on the network: the owner's
// appends are fenced, and command ids make a repeated command harmless.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include "mink/actors/command_codec.hpp"
#include "mink/actors/interfaces.hpp"
#include "mink/cluster/ownership.hpp"
#include "mink/log.hpp"

namespace mink {

/// A command on its way to another node.
struct forward_envelope {
  std::string type;
  std::string aggregate_type;
  std::string aggregate_id;
  std::string command_id;
  std::string correlation_id;
  std::string causation_id;
  std::string user_id;
  std::string tenant_id;
  std::map<std::string, std::string> custom;
  /// The payload as JSON (`command_codec::encode`).
  std::string body;
  bool expects_no_stream = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, forward_envelope& x) {
  return f(caf::meta::type_name("mink_forward_envelope"), x.type,
           x.aggregate_type, x.aggregate_id, x.command_id, x.correlation_id,
           x.causation_id, x.user_id, x.tenant_id, x.custom, x.body,
           x.expects_no_stream);
}

/// A forwarded command's `command_result`.
struct forward_result {
  int64_t version = 0;
  int64_t position = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, forward_result& x) {
  return f(caf::meta::type_name("mink_forward_result"), x.version,
           x.position);
}

/// A node's endpoint for commands forwarded to it (published on its
/// cluster address).
using forward_endpoint_actor = caf::typed_actor<
  caf::replies_to<forward_atom, forward_envelope>::with<forward_result>>;

/// Where a node runs the commands it is forwarded: by command name, the
/// router and the codec of its aggregate type. Filled as aggregate types
/// are added; safe to use from any thread.
class forward_routes {
public:
  struct entry {
    router_actor router;
    command_codec codec;
  };

  void add(const std::string& command_name, entry x);

  /// The entry of `command_name`; none when unknown.
  [[nodiscard]] std::optional<entry> find(const std::string& command_name) const;

private:
  mutable std::mutex mtx_;
  std::map<std::string, entry> entries_;
};

/// Loads CAF's network layer into `cfg` and registers the forwarding
/// types; heartbeats every `heartbeat`, and a peer that sent nothing for
/// `timeout` is dropped (a frozen node's requests then fail instead of
/// waiting for TCP).
void configure_forwarding(caf::actor_system_config& cfg,
                          std::chrono::milliseconds heartbeat,
                          std::chrono::milliseconds timeout);

/// Spawns the endpoint: it decodes a forwarded command with its codec,
/// hands it to its router as `forwarded` (which runs it, or refuses it with
/// `not_owner` when this node does not own its slice either), and answers
/// the result, waiting at most `timeout`.
forward_endpoint_actor
spawn_forward_endpoint(caf::actor_system& sys,
                       std::shared_ptr<const forward_routes> routes,
                       std::chrono::milliseconds timeout);

/// Publishes `endpoint` on `address` (`host:port`; port 0: any free one).
/// Returns the address with the port bound, or `invalid_argument` /
/// `store_unavailable` naming the problem.
[[nodiscard]] caf::expected<std::string>
publish_forward_endpoint(caf::actor_system& sys,
                         const forward_endpoint_actor& endpoint,
                         const std::string& address);

/// Counters of a forwarder, readable from any thread.
struct forward_stats {
  std::atomic<uint64_t> forwarded{0};
  std::atomic<uint64_t> failed{0};
};

/// Spawns the forwarder of a node (a detached actor: connecting to a node
/// blocks): it answers a command for a slice another node owns by passing
/// it to that node's endpoint and relaying the answer. A node it cannot
/// reach, or that does not answer within `timeout`, makes the answer
/// `not_owner` (retryable: the slice may be moving); a command without a
/// codec, or for a slice without an owner, too.
command_handler_actor
spawn_forwarder(caf::actor_system& sys,
                std::shared_ptr<const cluster::ownership> own,
                std::shared_ptr<const forward_routes> routes,
                std::chrono::milliseconds timeout,
                std::shared_ptr<forward_stats> stats, logger_ptr log);

} // namespace mink
