#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/cluster/cluster_view.hpp"

namespace mink::cluster {

/// What a node says of itself when it renews its lease.
struct node_announce {
  /// Its member id (`member_id(node_id, incarnation)`, or a bare node id):
  /// 1 to 100 bytes of ASCII letters, digits and `._:-`, unique per node,
  /// then optionally `/` and the incarnation.
  std::string node_id;
  /// Where other nodes reach it; 1 to 255 bytes without control characters.
  std::string address;
  /// How long its lease lasts from now (at least 100 ms, at most 1 hour).
  std::chrono::milliseconds ttl{5000};
};

/// Returns `invalid_argument` naming the problem when `self` or
/// `slice_count` would be refused by `lease_store::heartbeat`.
[[nodiscard]] caf::error check_announce(const node_announce& self,
                                        int32_t slice_count);

/// The port of cluster membership and slice ownership: a table of nodes
/// with leases, and one lease per slice with an epoch. Only the
/// PostgreSQL adapter has one; its event store refuses an append fenced
/// with an epoch that is not its slice's current one, in the append's
/// transaction.
///
/// Time is the database's clock, so nodes' clocks do not matter. Every
/// change is a compare-and-set: two nodes that plan at once cannot both
/// win a slice. Member functions are safe to call from many threads; no
/// exception leaves them.
///
/// Failures: `invalid_argument` for bad input (naming it),
/// `store_unavailable`, `timeout`, or `storage_failure`.
class lease_store {
public:
  virtual ~lease_store();

  /// Registers `self` or renews its lease, creates the slices' leases
  /// when there are none yet (`slice_count` of them), and returns the
  /// table. Fails with `invalid_argument` when the table holds another
  /// number of slices than `slice_count`.
  [[nodiscard]] caf::expected<cluster_view>
  heartbeat(const node_announce& self, int32_t slice_count);

  /// Reads the table without changing it.
  [[nodiscard]] caf::expected<cluster_view> view();

  /// Makes `node_id` the owner of each slice in `which` whose epoch is
  /// still the one given and that is free or held by a node that is not
  /// live, raising its epoch; only while `node_id` itself is live. Returns
  /// the leases won (with their new epochs). Ordered with appends, so an
  /// append fenced with the old epoch either committed before or is
  /// refused.
  [[nodiscard]] caf::expected<std::vector<slice_lease>>
  claim(const std::string& node_id, const std::vector<slice_lease>& which);

  /// Gives up the slices in `which` that `node_id` still owns, raising
  /// their epochs; returns those released.
  [[nodiscard]] caf::expected<std::vector<slice_lease>>
  release(const std::string& node_id, const std::vector<int32_t>& which);

  /// Releases every slice `node_id` owns and removes it from the table.
  [[nodiscard]] caf::error leave(const std::string& node_id);

protected:
  // Arguments are validated.

  virtual caf::expected<cluster_view>
  do_heartbeat(const node_announce& self, int32_t slice_count)
    = 0;

  virtual caf::expected<cluster_view> do_view() = 0;

  virtual caf::expected<std::vector<slice_lease>>
  do_claim(const std::string& node_id, const std::vector<slice_lease>& which)
    = 0;

  virtual caf::expected<std::vector<slice_lease>>
  do_release(const std::string& node_id, const std::vector<int32_t>& which)
    = 0;

  virtual caf::error do_leave(const std::string& node_id) = 0;
};

} // namespace mink::cluster
