#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mink::cluster {

/// A node as the lease table records it.
struct member {
  /// Its member id (`node_id/incarnation`, see `member_id`).
  std::string node_id;
  /// Where other nodes reach it (host:port of its command endpoint).
  std::string address;
  /// Whether its lease is in the future by the database's clock.
  bool live = false;
  /// Milliseconds until its lease ends (negative: ended that long ago).
  int64_t lease_left_ms = 0;
};

/// One slice's lease. `epoch` grows by one on every change of owner,
/// including to none; an append fenced with another epoch is refused.
struct slice_lease {
  int32_t slice = 0;
  /// Empty while no node owns it.
  std::string owner;
  int64_t epoch = 0;
};

/// The lease table at one moment.
struct cluster_view {
  std::vector<member> members;
  /// One per slice, in slice order; their number is the slice count.
  std::vector<slice_lease> slices;

  /// The ids of the live members, sorted.
  [[nodiscard]] std::vector<std::string> live_ids() const;

  /// Whether `node_id` is a live member.
  [[nodiscard]] bool is_live(const std::string& node_id) const;
};

/// What a node should do with the leases it sees.
struct lease_plan {
  /// Slices it should own that are free or held by a node that is not
  /// live, with the epoch it saw (the claim is a compare-and-set on it).
  std::vector<slice_lease> claim;
  /// Slices it owns that a live node should own now (rebalancing after a
  /// join): hand over, then release.
  std::vector<slice_lease> release;
};

/// Plans the next step of `member` (a member id, see `member_id`) from
/// `view`, taking it as live (it has just renewed its lease): each slice
/// should be owned by a member of node `preferred_owner(slice, the node
/// ids of the live members)`. A slice held by another live member is never
/// claimed: its owner releases it first; one held by a member that is not
/// live (a previous run of this node included) is claimed.
[[nodiscard]] lease_plan plan_leases(const cluster_view& view,
                                     const std::string& member);

} // namespace mink::cluster
