#pragma once

#include <memory>
#include <string>

#include "mink/cluster/ownership.hpp"
#include "mink/projection/checkpoint_store.hpp"

namespace mink::cluster {

/// The key whose slice decides which node runs projection `name`.
[[nodiscard]] std::string projection_key(const std::string& name);

/// A projection runner's lease on a clustered node, taken from the slice
/// leases instead of a session lock: the node that owns the slice of
/// `projection_key(name)` runs the projection, so projections spread over
/// the nodes as slices do and move with them (a dead or paused node's
/// within its lease's time). Null when this node does not own that slice
/// now. The lease is `held()` while the node owns the slice under the
/// epoch it had when the lease was taken; the checkpoint's compare-and-set
/// keeps a runner that lost it from applying anything twice meanwhile.
[[nodiscard]] std::unique_ptr<runner_lease>
lead_projection(std::shared_ptr<const ownership> own, const std::string& name);

} // namespace mink::cluster
