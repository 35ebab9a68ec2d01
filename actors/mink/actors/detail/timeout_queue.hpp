#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <utility>

namespace mink::detail {

/// Timeouts of an actor's requests that all wait the same time, for the
/// price of one timer per sweep instead of one per request: a CAF request
/// timeout takes the clock thread's lock and wakes it, on every command.
/// The actor requests with `caf::infinite`, adds each request's `Slot`
/// here, and calls `expire` from a periodic message. Whichever comes first
/// wins: the answer (which sets `Slot::done`) or the timeout.
template <class Slot>
class timeout_queue {
public:
  using clock = std::chrono::steady_clock;

  /// Adds a request that times out at `deadline` (not before the deadlines
  /// added earlier: they expire in order).
  void add(std::shared_ptr<Slot> slot, clock::time_point deadline) {
    drop_answered();
    entries_.emplace_back(deadline, std::move(slot));
  }

  /// Calls `on_timeout(slot)` for every unanswered request due by `now`,
  /// marking it done.
  template <class F>
  void expire(clock::time_point now, F&& on_timeout) {
    drop_answered();
    while (!entries_.empty() && entries_.front().first <= now) {
      auto slot = std::move(entries_.front().second);
      entries_.pop_front();
      if (!slot->done) {
        slot->done = true;
        on_timeout(*slot);
      }
      drop_answered();
    }
  }

  [[nodiscard]] bool empty() const noexcept {
    return entries_.empty();
  }

private:
  /// Answered requests leave from the front (most are answered long before
  /// their deadline), so the queue holds about those still waiting.
  void drop_answered() {
    while (!entries_.empty() && entries_.front().second->done)
      entries_.pop_front();
  }

  std::deque<std::pair<clock::time_point, std::shared_ptr<Slot>>> entries_;
};

} // namespace mink::detail
