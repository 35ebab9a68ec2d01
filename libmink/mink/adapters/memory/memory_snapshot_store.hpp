#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mink/store/snapshot_store.hpp"

namespace mink {

/// A snapshot store in process memory, for tests and examples. Every
/// instance made by `share()` sees the same snapshots.
class memory_snapshot_store : public snapshot_store {
public:
  memory_snapshot_store();

  /// Returns another handle on the same snapshots.
  [[nodiscard]] std::unique_ptr<memory_snapshot_store> share() const;

protected:
  MINK_SNAPSHOT_STORE_OVERRIDES

private:
  struct state {
    std::mutex mtx;
    /// Ordered by stream id, as `list` returns them.
    std::map<std::string, snapshot> snapshots;
  };

  explicit memory_snapshot_store(std::shared_ptr<state> st);

  std::shared_ptr<state> state_;
};

} // namespace mink
