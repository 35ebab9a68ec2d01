#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mink/store/event_store.hpp"

namespace mink {

/// An event store in process memory, for tests and examples. Every instance
/// made by `share()` sees the same events.
class memory_event_store : public event_store {
public:
  memory_event_store();

  /// Returns another handle on the same events.
  std::unique_ptr<memory_event_store> share() const;

protected:
  MINK_EVENT_STORE_OVERRIDES

private:
  struct state {
    std::mutex mtx;
    /// All events; `log[p - 1]` has global position p. A deque: growing
    /// never moves the events already stored (a vector's doubling stalled
    /// every append for up to 0.4 s at half a million events).
    std::deque<recorded_event> log;
    /// Per stream, the global positions of its events in version order.
    std::unordered_map<std::string, std::vector<int64_t>> streams;
    std::unordered_set<std::string> event_ids;
    /// Command records by command id.
    std::unordered_map<std::string, command_record> commands;
  };

  explicit memory_event_store(std::shared_ptr<state> st);

  std::shared_ptr<state> state_;
};

} // namespace mink
