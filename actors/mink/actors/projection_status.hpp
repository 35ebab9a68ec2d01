#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mink/projection/projection_state.hpp"

namespace mink {

/// What a projection runner tells the rest of its process, readable from
/// any thread: for metrics, health checks and read-your-writes waits.
class projection_status {
public:
  explicit projection_status(std::string name) : name_(std::move(name)) {}

  const std::string& name() const noexcept { return name_; }

  /// The checkpoint: the last position applied.
  int64_t position() const noexcept { return position_.load(); }

  /// The highest committed position the runner has seen.
  int64_t head() const noexcept { return head_.load(); }

  projection_state state() const noexcept {
    return static_cast<projection_state>(state_.load());
  }

  /// Whether this process holds the projection's runner lease.
  bool leader() const noexcept { return leader_.load(); }

  /// Seconds between the commit of the oldest unapplied event seen and
  /// the time it was seen; 0 when caught up.
  double lag_seconds() const noexcept { return lag_seconds_.load(); }

  int64_t lag_events() const noexcept {
    auto lag = head() - position();
    return lag > 0 ? lag : 0;
  }

  uint64_t events_applied() const noexcept { return applied_.load(); }
  uint64_t dead_letters() const noexcept { return parked_.load(); }
  uint64_t retries() const noexcept { return retries_.load(); }

  /// How often this process asked for the projection's lease and found
  /// another runner holding it (a standby's count).
  uint64_t lease_refusals() const noexcept { return lease_refusals_.load(); }

  std::string last_error() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return last_error_;
  }

  /// Waits until the position reaches `position` or `timeout` passes;
  /// returns whether it did.
  bool wait_for(int64_t position, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout,
                        [&] { return position_.load() >= position; });
  }

  /// Someone who waits for a position without holding a thread.
  class waiter {
  public:
    virtual ~waiter() = default;
    /// The position was reached: called once, on the runner's thread
    /// (must not block) or on the thread of `notify_at`.
    virtual void reached() = 0;
    /// Whether the wait ended otherwise (timed out): then it is dropped.
    [[nodiscard]] virtual bool finished() const = 0;
  };

  /// Calls `w->reached()` once the position reaches `position` (at once
  /// when it has already).
  void notify_at(int64_t position, std::shared_ptr<waiter> w) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (position_.load() < position) {
        // Drop waits that ended otherwise, so they cannot pile up.
        waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(),
                                      [](const auto& x) {
                                        return x.second->finished();
                                      }),
                       waiters_.end());
        waiters_.emplace_back(position, std::move(w));
        return;
      }
    }
    w->reached();
  }

  // -- written by the runner -------------------------------------------------

  void set_position(int64_t x) {
    std::vector<std::shared_ptr<waiter>> due;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      position_.store(x);
      if (!waiters_.empty()) {
        auto keep = std::partition(waiters_.begin(), waiters_.end(),
                                   [x](const auto& w) { return w.first > x; });
        for (auto i = keep; i != waiters_.end(); ++i)
          due.push_back(std::move(i->second));
        waiters_.erase(keep, waiters_.end());
      }
    }
    cv_.notify_all();
    for (auto& w : due)
      w->reached();
  }

  void set_head(int64_t x) noexcept {
    if (x > head_.load())
      head_.store(x);
  }

  void set_state(projection_state x) noexcept {
    state_.store(static_cast<int>(x));
  }

  void set_leader(bool x) noexcept { leader_.store(x); }

  void set_lag_seconds(double x) noexcept { lag_seconds_.store(x); }

  void add_applied(uint64_t n) noexcept { applied_.fetch_add(n); }
  void add_parked() noexcept { parked_.fetch_add(1); }
  void add_retry() noexcept { retries_.fetch_add(1); }
  void add_lease_refusal() noexcept { lease_refusals_.fetch_add(1); }

  void set_last_error(std::string x) {
    std::lock_guard<std::mutex> guard{mtx_};
    last_error_ = std::move(x);
  }

private:
  std::string name_;
  std::atomic<int64_t> position_{0};
  std::atomic<int64_t> head_{0};
  std::atomic<int> state_{static_cast<int>(projection_state::stopped)};
  std::atomic<bool> leader_{false};
  std::atomic<double> lag_seconds_{0};
  std::atomic<uint64_t> applied_{0};
  std::atomic<uint64_t> parked_{0};
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> lease_refusals_{0};
  mutable std::mutex mtx_;
  mutable std::condition_variable cv_;
  std::string last_error_;
  std::vector<std::pair<int64_t, std::shared_ptr<waiter>>> waiters_;
};

} // namespace mink
