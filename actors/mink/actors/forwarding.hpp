#pragma once

// Commands passed between the nodes of a cluster (docs/scaling.md): a node
// that does not own a command's slice forwards it to the owner's endpoint
// over CAF's network layer, in one envelope type whose payload is the
// command's JSON. Correctness does not rest on the network: the owner's
// appends are fenced, and command ids make a repeated command harmless.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
  /// The member id the sender takes for the owner; any other refuses it.
  std::string target;
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
  return f(caf::meta::type_name("mink_forward_envelope"), x.target, x.type,
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

  /// Every aggregate type is added (`runtime::start_commands`): until
  /// then a forwarded command is answered `not_owner` (retryable), not
  /// refused as unknown.
  void open() noexcept { open_ = true; }

  [[nodiscard]] bool is_open() const noexcept { return open_; }

  /// The entry of `command_name`; none when unknown.
  [[nodiscard]] std::optional<entry> find(const std::string& command_name) const;

private:
  mutable std::mutex mtx_;
  std::map<std::string, entry> entries_;
  std::atomic<bool> open_{false};
};

/// Loads CAF's network layer into `cfg` and registers the forwarding
/// types; only nodes of `cluster` (its schema) can connect. Heartbeats
/// every `heartbeat`, and a connection that carried nothing for `timeout`
/// is closed (the forwarder then connects again; requests already sent to
/// a frozen node still wait for their own timeout).
void configure_forwarding(caf::actor_system_config& cfg,
                          const std::string& cluster,
                          std::chrono::milliseconds heartbeat,
                          std::chrono::milliseconds timeout);

/// `host:port` split; `invalid_argument` naming `address` otherwise.
[[nodiscard]] caf::expected<std::pair<std::string, uint16_t>>
split_address(const std::string& address);

/// Spawns the endpoint of member `member`: it refuses an envelope meant
/// for another member, or sent before `routes` is open, with `not_owner`;
/// else it decodes the command with its codec, hands it to its router as
/// `forwarded` (which runs it, or refuses it with `not_owner` when this
/// node does not own its slice either), and answers the result, waiting
/// at most `timeout`.
forward_endpoint_actor
spawn_forward_endpoint(caf::actor_system& sys,
                       std::shared_ptr<const forward_routes> routes,
                       std::string member, std::chrono::milliseconds timeout);

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

/// Spawns the forwarder of a node: it answers a command for a slice
/// another node owns by passing it to that node's endpoint and relaying
/// the answer. Connections are made by helpers of their own (connecting
/// blocks), one per node at a time; commands wait for it, at most
/// `timeout`, and a node that could not be reached is tried again after a
/// second. Answers: `not_owner` (retryable: nothing was sent) for a slice
/// without another owner, a command without a codec, or an owner that
/// cannot be reached; `timeout` when a command was sent and no answer came
/// within `timeout` (it may have run: repeat it with its command id);
/// otherwise the owner's answer.
command_handler_actor
spawn_forwarder(caf::actor_system& sys,
                std::shared_ptr<const cluster::ownership> own,
                std::shared_ptr<const forward_routes> routes,
                std::chrono::milliseconds timeout,
                std::shared_ptr<forward_stats> stats, logger_ptr log);

} // namespace mink
