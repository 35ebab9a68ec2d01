#include "mink/actors/recent_commands.hpp"

#include <algorithm>

#include "mink/uuid.hpp"

namespace mink {

void recent_commands::remember(std::string_view id, const command_result& res) {
  std::array<uint8_t, 16> key;
  if (!parse_uuid(id, key))
    return;
  for (uint8_t i = 0; i < size_; ++i)
    if (entries_[i].id == key) {
      entries_[i].result = res;
      return;
    }
  if (size_ < capacity) {
    if (size_ == allocated_) {
      auto n = static_cast<uint8_t>(
        std::min<size_t>(capacity, std::max<size_t>(1, 2 * size_)));
      auto grown = std::make_unique<entry[]>(n);
      std::copy(entries_.get(), entries_.get() + size_, grown.get());
      entries_ = std::move(grown);
      allocated_ = n;
    }
    entries_[size_++] = entry{key, res};
    return;
  }
  entries_[next_] = entry{key, res};
  next_ = static_cast<uint8_t>((next_ + 1) % capacity);
}

const command_result* recent_commands::recall(std::string_view id) const {
  std::array<uint8_t, 16> key;
  if (size_ == 0 || !parse_uuid(id, key))
    return nullptr;
  for (uint8_t i = 0; i < size_; ++i)
    if (entries_[i].id == key)
      return &entries_[i].result;
  return nullptr;
}

size_t recent_commands::heap_bytes() const noexcept {
  return allocated_ * sizeof(entry);
}

} // namespace mink
