#include "mink/cluster/cluster_view.hpp"

#include <algorithm>

#include "mink/cluster/slices.hpp"

namespace mink::cluster {

std::vector<std::string> cluster_view::live_ids() const {
  std::vector<std::string> ids;
  for (auto& m : members)
    if (m.live)
      ids.push_back(m.node_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool cluster_view::is_live(const std::string& node_id) const {
  return std::any_of(members.begin(), members.end(), [&](const member& m) {
    return m.live && m.node_id == node_id;
  });
}

lease_plan plan_leases(const cluster_view& view, const std::string& node_id) {
  auto live = view.live_ids();
  if (!std::binary_search(live.begin(), live.end(), node_id))
    live.insert(std::upper_bound(live.begin(), live.end(), node_id), node_id);
  lease_plan plan;
  for (auto& lease : view.slices) {
    auto wanted = preferred_owner(lease.slice, live);
    if (wanted == node_id) {
      if (lease.owner.empty()
          || (lease.owner != node_id && !view.is_live(lease.owner)))
        plan.claim.push_back(lease);
    } else if (lease.owner == node_id) {
      plan.release.push_back(lease);
    }
  }
  return plan;
}

} // namespace mink::cluster
