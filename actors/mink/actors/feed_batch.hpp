#pragma once

#include <cstdint>
#include <vector>

#include "mink/event.hpp"

namespace mink {

/// The feed's answer to `(next_atom, from, max)`.
struct feed_batch {
  /// Events from `from` on, dense and in position order; empty when none
  /// arrived before the feed's wait ran out, or when `behind` is set.
  std::vector<recorded_event> events;
  /// The highest position the feed has seen committed.
  int64_t head = 0;
  /// `from` is older than the feed keeps in memory: read the store up to
  /// `oldest - 1`, then ask the feed again.
  bool behind = false;
  /// The oldest position the feed holds in memory.
  int64_t oldest = 0;
};

} // namespace mink
