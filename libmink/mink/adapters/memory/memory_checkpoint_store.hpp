#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "mink/projection/checkpoint_store.hpp"

namespace mink {

/// A checkpoint store in process memory, for tests and examples. Every
/// instance made by `share()` sees the same records, dead letters and
/// leases: at most one lease per projection exists among them. Nothing
/// outlives the process, so a lease ends with it.
class memory_checkpoint_store : public checkpoint_store {
public:
  memory_checkpoint_store();

  /// Returns another handle on the same storage.
  [[nodiscard]] std::unique_ptr<memory_checkpoint_store> share() const;

protected:
  MINK_CHECKPOINT_STORE_OVERRIDES

private:
  /// The storage that handles share.
  struct state {
    std::mutex mtx;
    /// Ordered by name, as `list` returns them.
    std::map<std::string, projection_record> records;
    /// Keyed and ordered by (projection, position).
    std::map<std::pair<std::string, int64_t>, dead_letter> letters;
    /// Projections whose lease someone holds.
    std::set<std::string> leased;
  };

  /// A runner lease on `state::leased`; defined in the source file.
  class lease;

  explicit memory_checkpoint_store(std::shared_ptr<state> st);

  /// Runs `f` on the record of `name` under the lock; `projection_not_found`
  /// when there is none.
  template <class F>
  caf::error with_record(const std::string& name, F f);

  std::shared_ptr<state> state_;
};

} // namespace mink
