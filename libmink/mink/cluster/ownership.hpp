#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "mink/cluster/cluster_view.hpp"
#include "mink/store/append.hpp"

namespace mink::cluster {

/// Where a command for one aggregate goes, as a node last saw the leases.
struct route {
  int32_t slice = 0;
  /// This node owns the slice (and is not handing it over).
  bool local = false;
  /// The owner's id and address; empty while the slice has no owner.
  std::string owner;
  std::string address;
  /// The epoch of this node's lease when `local`.
  int64_t epoch = 0;
};

/// What one node knows of slice ownership: the leases it holds (with their
/// epochs) and the owners of the others, refreshed by its lease keeper
/// after each heartbeat. Read by the router (where a command goes) and by
/// the persistence actor (the fence of each append). Safe to use from any
/// thread.
class ownership {
public:
  /// `node_id` is the member id the node holds leases under.
  ownership(std::string node_id, int32_t slice_count);

  const std::string& node_id() const noexcept { return node_id_; }

  int32_t slice_count() const noexcept { return slice_count_; }

  /// Where a command for `stream_id` goes.
  [[nodiscard]] route route_of(std::string_view stream_id) const;

  /// The fence for an append to `stream_id`, or `not_owner` (naming the
  /// slice and its owner) when this node does not own its slice now.
  [[nodiscard]] caf::expected<slice_fence>
  fence_for(std::string_view stream_id) const;

  /// Takes the table a heartbeat returned, with the leases this node has
  /// won or kept since (`view` may predate its own claims). The node's
  /// slices count as its own until `valid_until` (when its lease, renewed
  /// by that heartbeat, ends): past it, other nodes may own them, so it
  /// stops taking their commands even before a keeper that hangs says so.
  void update(const cluster_view& view,
              std::chrono::steady_clock::time_point valid_until);

  /// Stops taking commands for `slices` (before they are released): they
  /// are routed as not local from now on, and fenced as not owned. Slices
  /// handed over before and not in `slices` are taken back (the node that
  /// was to get them left before it did).
  void hand_over(const std::vector<int32_t>& slices);

  /// Forgets every lease of this node (its own lease ended, or it leaves).
  void drop_all();

  /// The slices this node owns now.
  [[nodiscard]] std::vector<int32_t> owned() const;

  /// Counters for metrics and health.
  struct summary {
    size_t owned = 0;
    size_t members_live = 0;
    size_t members = 0;
    /// Leases won and lost (to another node, a release or a lapse).
    uint64_t gained = 0;
    uint64_t lost = 0;
    /// Whether a table was ever taken, and how long ago the last was.
    bool updated = false;
    std::chrono::milliseconds since_update{0};
  };
  [[nodiscard]] summary stats() const;

private:
  struct slot {
    std::string owner;
    std::string address;
    int64_t epoch = 0;
    bool leaving = false;
  };

  std::string node_id_;
  int32_t slice_count_;
  mutable std::mutex mtx_;
  std::vector<slot> slots_;
  size_t members_live_ = 0;
  size_t members_ = 0;
  uint64_t gained_ = 0;
  uint64_t lost_ = 0;
  std::chrono::steady_clock::time_point updated_at_{};
  std::chrono::steady_clock::time_point valid_until_{};
  bool updated_ = false;
};

} // namespace mink::cluster
