#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "mink/adapters/postgres/postgres_config.hpp"
#include "mink/cluster/lease_store.hpp"

namespace mink::pg {

class pool;

/// The lease store of PostgreSQL: the `cluster_nodes` and `cluster_slices`
/// tables of the event store's schema (migration 6), on a pool of its own
/// (`cfg.pool_size` connections; one is enough for a node's heartbeats).
/// Claims, releases and leaves lock the position counter first, the lock
/// every append holds while it reads its fences: a change of a lease and an
/// append fenced with the slice's old epoch are ordered, and the append is
/// refused if it comes second.
class lease_store : public cluster::lease_store {
public:
  /// Connects, validates the schema name, and migrates the schema up.
  [[nodiscard]] static caf::expected<std::unique_ptr<lease_store>>
  open(const postgres_config& cfg);

  ~lease_store() override;

protected:
  caf::expected<cluster::cluster_view>
  do_heartbeat(const cluster::node_announce& self,
               int32_t slice_count) override;

  caf::expected<cluster::cluster_view> do_view() override;

  caf::expected<std::vector<cluster::slice_lease>>
  do_claim(const std::string& node_id,
           const std::vector<cluster::slice_lease>& which) override;

  caf::expected<std::vector<cluster::slice_lease>>
  do_release(const std::string& node_id,
             const std::vector<int32_t>& which) override;

  caf::error do_leave(const std::string& node_id) override;

private:
  lease_store(const postgres_config& cfg, std::unique_ptr<pool> connections);

  std::unique_ptr<pool> pool_;
  std::chrono::milliseconds acquire_timeout_;
  /// `"schema".`, validated and quoted.
  std::string prefix_;
};

} // namespace mink::pg
