#include "mink/cluster/ownership.hpp"

#include "mink/cluster/slices.hpp"
#include "mink/errc.hpp"

namespace mink::cluster {

ownership::ownership(std::string node_id, int32_t slice_count)
  : node_id_(std::move(node_id)),
    slice_count_(slice_count > 0 ? slice_count : 1),
    slots_(static_cast<size_t>(slice_count_)) {
  // nop
}

route ownership::route_of(std::string_view stream_id) const {
  route r;
  r.slice = slice_of(stream_id, slice_count_);
  std::lock_guard<std::mutex> guard{mtx_};
  auto& s = slots_[static_cast<size_t>(r.slice)];
  r.local = s.owner == node_id_ && !s.leaving
            && std::chrono::steady_clock::now() < valid_until_;
  r.owner = s.owner;
  r.address = s.address;
  r.epoch = s.epoch;
  return r;
}

caf::expected<slice_fence>
ownership::fence_for(std::string_view stream_id) const {
  auto r = route_of(stream_id);
  if (r.local)
    return slice_fence{r.slice, r.epoch};
  return make_error(errc::not_owner,
                    "node " + node_id_ + " does not own slice "
                      + std::to_string(r.slice) + " of " + std::string{stream_id}
                      + (r.owner.empty() ? std::string{" (no owner now)"}
                         : r.owner == node_id_
                           ? std::string{" (handing it over, or its lease"
                                         " was not renewed in time)"}
                           : " (" + r.owner + " does, at " + r.address + ")"));
}

void ownership::update(const cluster_view& view,
                       std::chrono::steady_clock::time_point valid_until) {
  std::lock_guard<std::mutex> guard{mtx_};
  updated_ = true;
  updated_at_ = std::chrono::steady_clock::now();
  valid_until_ = valid_until;
  members_ = view.members.size();
  members_live_ = 0;
  for (auto& m : view.members)
    members_live_ += m.live ? 1 : 0;
  for (auto& lease : view.slices) {
    if (lease.slice < 0 || lease.slice >= slice_count_)
      continue;
    auto& s = slots_[static_cast<size_t>(lease.slice)];
    bool was_mine = s.owner == node_id_;
    bool is_mine = lease.owner == node_id_;
    if (is_mine && (!was_mine || s.epoch != lease.epoch))
      ++gained_;
    if (was_mine && (!is_mine || s.epoch != lease.epoch))
      ++lost_;
    // A slice being handed over stays so while this node still owns it
    // under the same epoch.
    s.leaving = s.leaving && is_mine && s.epoch == lease.epoch;
    s.owner = lease.owner;
    s.epoch = lease.epoch;
    s.address.clear();
    for (auto& m : view.members)
      if (m.node_id == lease.owner)
        s.address = m.address;
  }
}

void ownership::hand_over(const std::vector<int32_t>& slices) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& s : slots_)
    s.leaving = false;
  for (auto x : slices)
    if (x >= 0 && x < slice_count_)
      slots_[static_cast<size_t>(x)].leaving = true;
}

void ownership::drop_all() {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& s : slots_)
    if (s.owner == node_id_) {
      ++lost_;
      s.owner.clear();
      s.address.clear();
      s.leaving = false;
    }
}

std::vector<int32_t> ownership::owned() const {
  std::lock_guard<std::mutex> guard{mtx_};
  std::vector<int32_t> xs;
  if (std::chrono::steady_clock::now() >= valid_until_)
    return xs;
  for (size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].owner == node_id_ && !slots_[i].leaving)
      xs.push_back(static_cast<int32_t>(i));
  return xs;
}

ownership::summary ownership::stats() const {
  std::lock_guard<std::mutex> guard{mtx_};
  summary x;
  auto valid = std::chrono::steady_clock::now() < valid_until_;
  for (auto& s : slots_)
    x.owned += valid && s.owner == node_id_ && !s.leaving ? 1 : 0;
  x.members = members_;
  x.members_live = members_live_;
  x.gained = gained_;
  x.lost = lost_;
  x.updated = updated_;
  if (updated_)
    x.since_update = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - updated_at_);
  return x;
}

} // namespace mink::cluster
