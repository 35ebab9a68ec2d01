#include "mink/actors/recent_commands.hpp"

namespace mink {

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

bool parse_uuid(std::string_view text, std::array<uint8_t, 16>& out) noexcept {
  if (text.size() != 36)
    return false;
  size_t n = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i++] != '-')
        return false;
      continue;
    }
    auto hi = hex_value(text[i]);
    auto lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[n++] = static_cast<uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return n == 16;
}

void recent_commands::remember(std::string_view id, const command_result& res) {
  std::array<uint8_t, 16> key;
  if (!parse_uuid(id, key))
    return;
  if (!ring_)
    ring_ = std::make_unique<ring>();
  auto& r = *ring_;
  for (size_t i = 0; i < r.size; ++i)
    if (r.entries[i].id == key) {
      r.entries[i].result = res;
      return;
    }
  r.entries[r.next] = entry{key, res};
  r.next = (r.next + 1) % capacity;
  if (r.size < capacity)
    ++r.size;
}

const command_result* recent_commands::recall(std::string_view id) const {
  std::array<uint8_t, 16> key;
  if (!ring_ || !parse_uuid(id, key))
    return nullptr;
  for (size_t i = 0; i < ring_->size; ++i)
    if (ring_->entries[i].id == key)
      return &ring_->entries[i].result;
  return nullptr;
}

size_t recent_commands::heap_bytes() const noexcept {
  return ring_ ? sizeof(ring) : 0;
}

} // namespace mink
