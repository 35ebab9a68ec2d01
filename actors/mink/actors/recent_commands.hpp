#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "mink/command/command.hpp"

namespace mink {

/// The results of an aggregate's latest commands, by command id, so that a
/// repeat is answered without deciding again or asking the store. Command
/// ids are UUIDs (the store refuses others): each is kept as its 16 bytes
/// beside its result, 32 bytes in all, in an array that grows as commands
/// come (nothing until the first), since most aggregates of a large service
/// handle a few commands and idle. Bounded: older repeats are caught by the
/// store's command records.
class recent_commands {
public:
  /// How many results are kept.
  static constexpr size_t capacity = 16;

  /// Remembers `id`'s result (ids that are not UUIDs are not kept).
  void remember(std::string_view id, const command_result& res);

  /// The remembered result of `id`, or null.
  [[nodiscard]] const command_result* recall(std::string_view id) const;

  /// Bytes held on the heap (0 until the first `remember`).
  [[nodiscard]] size_t heap_bytes() const noexcept;

private:
  struct entry {
    std::array<uint8_t, 16> id;
    command_result result;
  };
  /// Grows to `capacity` (doubling), then the oldest entry is overwritten
  /// (`next_`). Not a std::vector: 16 bytes instead of 32 in every actor.
  std::unique_ptr<entry[]> entries_;
  uint8_t size_ = 0;
  uint8_t allocated_ = 0;
  uint8_t next_ = 0;
};

} // namespace mink
