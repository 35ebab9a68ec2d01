#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace mink {

/// Returns the wall-clock time in microseconds since the Unix epoch: the
/// unit of `recorded_event::timestamp_us`.
inline int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
    .count();
}

/// A source of wall-clock time in microseconds since the Unix epoch, for
/// code whose behavior depends on time (saga timers): tests inject a
/// `manual_clock` and move it instead of sleeping. Thread-safe.
class clock {
public:
  virtual ~clock();

  [[nodiscard]] virtual int64_t now_us() const = 0;
};

/// The system's wall clock.
[[nodiscard]] std::shared_ptr<clock> system_clock();

/// A clock that moves only when told.
class manual_clock : public clock {
public:
  explicit manual_clock(int64_t start_us = 1'000'000'000'000'000)
    : now_(start_us) {
    // nop
  }

  int64_t now_us() const override {
    return now_.load();
  }

  /// Moves the clock forward by `d`.
  void advance(std::chrono::microseconds d) {
    now_.fetch_add(d.count());
  }

  /// Sets the time.
  void set(int64_t us) {
    now_.store(us);
  }

private:
  std::atomic<int64_t> now_;
};

} // namespace mink
