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

lease_plan plan_leases(const cluster_view& view, const std::string& member) {
  // Preference is by node id, so that a node that restarts (a new member
  // id, the same node id) gets the same share back.
  std::vector<std::string> nodes;
  for (auto& m : view.members)
    if (m.live)
      nodes.emplace_back(node_of(m.node_id));
  auto me = std::string{node_of(member)};
  nodes.push_back(me);
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  lease_plan plan;
  for (auto& lease : view.slices) {
    auto wanted = preferred_owner(lease.slice, nodes);
    if (wanted == me) {
      if (lease.owner.empty()
          || (lease.owner != member && !view.is_live(lease.owner)))
        plan.claim.push_back(lease);
    } else if (lease.owner == member) {
      plan.release.push_back(lease);
    }
  }
  return plan;
}

} // namespace mink::cluster
