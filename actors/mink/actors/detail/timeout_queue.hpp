#pragma once

#include <algorithm>
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

  /// Returns true when requests wait and no sweep is due yet, and marks
  /// the sweep due: the caller then sends itself the sweep message.
  [[nodiscard]] bool claim_sweep() noexcept {
    if (sweep_due_ || entries_.empty())
      return false;
    sweep_due_ = true;
    return true;
  }

  /// The sweep message arrived: the next `claim_sweep` may schedule one.
  void swept() noexcept {
    sweep_due_ = false;
  }

private:
  /// Answered requests leave from the front (most are answered long before
  /// their deadline), so the queue holds about those still waiting.
  void drop_answered() {
    while (!entries_.empty() && entries_.front().second->done)
      entries_.pop_front();
  }

  std::deque<std::pair<clock::time_point, std::shared_ptr<Slot>>> entries_;
  bool sweep_due_ = false;
};

/// How often timeouts are looked for while requests wait: a tenth of the
/// timeout, between 1 ms and 100 ms, so a timeout fires at most that late.
inline std::chrono::milliseconds
sweep_interval(std::chrono::milliseconds timeout) {
  return std::clamp(timeout / 10, std::chrono::milliseconds{1},
                    std::chrono::milliseconds{100});
}

/// Sends `self` the message `tick` after `sweep_interval(timeout)` when
/// requests wait in `queue` and no sweep is due yet. The handler of `tick`
/// calls `queue.swept()`, `queue.expire(...)`, then this again.
template <class Self, class Slot, class Tick>
void schedule_sweep(Self* self, timeout_queue<Slot>& queue,
                    std::chrono::milliseconds timeout, Tick tick) {
  if (queue.claim_sweep())
    self->delayed_send(self, sweep_interval(timeout), tick);
}

} // namespace mink::detail
