#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "mink/log.hpp"
#include "mink/store/event_store.hpp"

namespace mink {

/// What the last checks of a `storage_monitor` found.
struct storage_reading {
  /// Whether a check has told yet whether the store answers (it answered,
  /// or failed with `store_unavailable`).
  bool checked = false;
  /// Whether the store is reachable: false after a check that failed with
  /// `store_unavailable`, true again after one that answered (a check that
  /// failed otherwise, e.g. waiting for a busy pool, changes nothing).
  bool up = false;
  /// The answer of the last check that answered; none before the first.
  std::optional<storage_usage> usage;
  /// When `usage` was taken.
  std::chrono::steady_clock::time_point usage_at;
  /// Checks that failed since the start.
  uint64_t failures = 0;
  /// The error of the last check when it failed.
  std::string last_error;
};

/// Asks the event store what it holds (`event_store::storage_usage`) every
/// `interval`, on a thread of its own, and keeps the answer: metrics read
/// it at each scrape without touching the database, and a scrape never
/// waits for a slow store. The first check runs at once.
class storage_monitor {
public:
  /// Starts the thread; `interval` must be positive. Throws
  /// `std::system_error` when no thread can be started.
  storage_monitor(std::shared_ptr<event_store> store,
                  std::chrono::milliseconds interval, logger_ptr log = {});

  /// Stops (see `stop`).
  ~storage_monitor();

  storage_monitor(const storage_monitor&) = delete;
  storage_monitor& operator=(const storage_monitor&) = delete;

  /// What the checks found so far.
  [[nodiscard]] storage_reading reading() const;

  /// The time between two checks.
  [[nodiscard]] std::chrono::milliseconds interval() const noexcept {
    return interval_;
  }

  /// Ends the thread (a check running finishes first: the store's own
  /// deadlines bound it) and lets go of the store. Idempotent.
  void stop();

private:
  void run();

  /// One check; records its answer.
  void check();

  std::shared_ptr<event_store> store_;
  std::chrono::milliseconds interval_;
  logger_ptr log_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  bool stopping_ = false;
  storage_reading reading_;
  std::thread thread_;
};

} // namespace mink
