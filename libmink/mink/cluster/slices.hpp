#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mink::cluster {

/// How many slices streams hash to unless configured otherwise. Fixed for
/// the life of a schema: the first node to join writes one lease row per
/// slice, and a node configured with another count is refused.
constexpr int32_t default_slice_count = 1024;

/// The slice of `stream_id` among `slice_count` (> 0): FNV-1a (64 bits) of
/// its bytes, mixed (splitmix64's finaliser), modulo the count. The same
/// on every node and platform, and fixed: a change would put a stream in
/// two slices during a rolling upgrade (tests pin known values).
[[nodiscard]] int32_t slice_of(std::string_view stream_id,
                               int32_t slice_count) noexcept;

/// The node that should own `slice` among `live_nodes` (node ids): the one
/// with the highest FNV-1a hash of its id and the slice (rendezvous
/// hashing). Every node computes the same answer from the same set; a
/// node joining or leaving moves only the slices it gains or held. Empty
/// when `live_nodes` is.
[[nodiscard]] std::string
preferred_owner(int32_t slice, const std::vector<std::string>& live_nodes);

/// Returns an error text naming the problem when `node_id` is not 1 to 100
/// bytes of ASCII letters, digits and `._:-`; empty when it is valid.
[[nodiscard]] std::string check_node_id(std::string_view node_id);

/// The id under which one run of node `node_id` holds leases:
/// `node_id/incarnation`. A node that restarts under the same id is a new
/// member, so the slices of its previous run are claimed with a new
/// epoch, and that run, should it wake up, is fenced off.
[[nodiscard]] std::string member_id(std::string_view node_id,
                                    std::string_view incarnation);

/// The node id of member id `member` (all of it when it has no `/`).
[[nodiscard]] std::string_view node_of(std::string_view member) noexcept;

/// Like `check_node_id`, for a member id: a node id, optionally followed
/// by `/` and 1 to 36 letters, digits and `-`.
[[nodiscard]] std::string check_member_id(std::string_view member);

} // namespace mink::cluster
