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
  caf::error do_save(snapshot& s) override;

  caf::expected<std::optional<snapshot>>
  do_load(const std::string& stream_id) override;

  caf::error do_remove(const std::string& stream_id) override;

  caf::expected<std::vector<snapshot_info>>
  do_list(const std::string& after_stream_id, size_t limit,
          const std::string& category) override;

  caf::expected<size_t> do_purge(const std::string& category) override;

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
