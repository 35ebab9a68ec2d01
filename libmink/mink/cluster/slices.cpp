#include "mink/cluster/slices.hpp"

namespace mink::cluster {

namespace {

constexpr uint64_t fnv_offset = 14695981039346656037ull;
constexpr uint64_t fnv_prime = 1099511628211ull;

uint64_t fnv1a(uint64_t h, std::string_view bytes) noexcept {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= fnv_prime;
  }
  return h;
}

/// Spreads the bits of FNV-1a, whose low bits alone vary little for
/// inputs that differ in their last byte (splitmix64's finaliser).
uint64_t mix(uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

} // namespace

int32_t slice_of(std::string_view stream_id, int32_t slice_count) noexcept {
  if (slice_count <= 0)
    return 0;
  auto h = mix(fnv1a(fnv_offset, stream_id));
  return static_cast<int32_t>(h % static_cast<uint64_t>(slice_count));
}

std::string preferred_owner(int32_t slice,
                            const std::vector<std::string>& live_nodes) {
  const std::string* best = nullptr;
  uint64_t best_score = 0;
  auto slice_text = std::to_string(slice);
  for (auto& node : live_nodes) {
    auto h = fnv1a(fnv_offset, node);
    h = fnv1a(h, std::string_view{"\0", 1});
    auto score = mix(fnv1a(h, slice_text));
    // Ties (as good as impossible) go to the smaller id, on every node.
    if (best == nullptr || score > best_score
        || (score == best_score && node < *best)) {
      best = &node;
      best_score = score;
    }
  }
  return best == nullptr ? std::string{} : *best;
}

std::string check_node_id(std::string_view node_id) {
  if (node_id.empty() || node_id.size() > 100)
    return "a node id must be 1 to 100 bytes long";
  for (unsigned char c : node_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':'
              || c == '-';
    if (!ok)
      return "a node id may hold ASCII letters, digits and ._:- only";
  }
  return {};
}

std::string member_id(std::string_view node_id, std::string_view incarnation) {
  std::string x{node_id};
  x += '/';
  x += incarnation;
  return x;
}

std::string_view node_of(std::string_view member) noexcept {
  return member.substr(0, member.find('/'));
}

std::string check_member_id(std::string_view member) {
  auto node = node_of(member);
  if (auto what = check_node_id(node); !what.empty())
    return what;
  if (node.size() == member.size())
    return {};
  auto run = member.substr(node.size() + 1);
  if (run.empty() || run.size() > 36)
    return "a member id's incarnation must be 1 to 36 bytes long";
  for (unsigned char c : run)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9') || c == '-'))
      return "a member id's incarnation may hold letters, digits and - only";
  return {};
}

} // namespace mink::cluster
