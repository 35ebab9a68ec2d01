#include "mink/cluster/lease_store.hpp"

#include "mink/cluster/slices.hpp"
#include "mink/errc.hpp"

namespace mink::cluster {

namespace {

/// The most slices a schema may have: each is a row read at every
/// heartbeat.
constexpr int32_t max_slice_count = 65536;

caf::error check_id(const std::string& member) {
  if (auto what = check_member_id(member); !what.empty())
    return make_error(errc::invalid_argument, std::move(what));
  return {};
}

} // namespace

caf::error check_announce(const node_announce& self, int32_t slice_count) {
  if (auto err = check_id(self.node_id))
    return err;
  if (self.address.empty() || self.address.size() > 255)
    return make_error(errc::invalid_argument,
                      "a node address must be 1 to 255 bytes long");
  for (unsigned char c : self.address)
    if (c < 0x20 || c == 0x7f)
      return make_error(errc::invalid_argument,
                        "a node address must not hold control characters");
  if (self.ttl < std::chrono::milliseconds{100}
      || self.ttl > std::chrono::hours{1})
    return make_error(errc::invalid_argument,
                      "a node's lease must last 100 ms to 1 hour, not "
                        + std::to_string(self.ttl.count()) + " ms");
  if (slice_count <= 0 || slice_count > max_slice_count)
    return make_error(errc::invalid_argument,
                      "the slice count must be 1 to "
                        + std::to_string(max_slice_count) + ", not "
                        + std::to_string(slice_count));
  return {};
}

namespace {

caf::error check_slices(const std::vector<int32_t>& which) {
  for (auto s : which)
    if (s < 0)
      return make_error(errc::invalid_argument,
                        "slice numbers are not negative, got "
                          + std::to_string(s));
  return {};
}

} // namespace

lease_store::~lease_store() = default;

caf::expected<cluster_view>
lease_store::heartbeat(const node_announce& self, int32_t slice_count) {
  if (auto err = check_announce(self, slice_count))
    return err;
  return do_heartbeat(self, slice_count);
}

caf::expected<cluster_view> lease_store::view() {
  return do_view();
}

caf::expected<std::vector<slice_lease>>
lease_store::claim(const std::string& node_id,
                   const std::vector<slice_lease>& which) {
  if (auto err = check_id(node_id))
    return err;
  std::vector<int32_t> slices;
  for (auto& x : which)
    slices.push_back(x.slice);
  if (auto err = check_slices(slices))
    return err;
  if (which.empty())
    return std::vector<slice_lease>{};
  return do_claim(node_id, which);
}

caf::expected<std::vector<slice_lease>>
lease_store::release(const std::string& node_id,
                     const std::vector<int32_t>& which) {
  if (auto err = check_id(node_id))
    return err;
  if (auto err = check_slices(which))
    return err;
  if (which.empty())
    return std::vector<slice_lease>{};
  return do_release(node_id, which);
}

caf::error lease_store::leave(const std::string& node_id) {
  if (auto err = check_id(node_id))
    return err;
  return do_leave(node_id);
}

} // namespace mink::cluster
