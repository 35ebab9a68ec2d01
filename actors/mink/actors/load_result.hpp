#pragma once

#include <optional>
#include <vector>

#include "mink/event.hpp"
#include "mink/store/snapshot_store.hpp"

namespace mink {

/// What the store reader returns for an aggregate: its latest snapshot (if
/// asked for and present) and every event after it.
struct load_result {
  std::optional<snapshot> snap;
  /// Events from the snapshot's version + 1 (or from the requested version
  /// when there is no snapshot), in order.
  std::vector<recorded_event> events;
};

} // namespace mink
