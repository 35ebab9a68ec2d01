#pragma once

// Helpers for the suites that run many threads. Boost.Test assertions are
// not thread-safe: worker threads only record what happened and the test
// thread checks it after joining them.

#include <atomic>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

namespace mink::conformance {

/// Lets threads start at the same moment.
class start_gate {
public:
  void wait() const {
    while (!open_.load(std::memory_order_acquire))
      std::this_thread::yield();
  }

  void open() { open_.store(true, std::memory_order_release); }

private:
  std::atomic<bool> open_{false};
};

/// Joins all threads.
inline void join_all(std::vector<std::thread>& threads) {
  for (auto& t : threads)
    t.join();
}

/// Prints up to `n` entries of `xs`.
inline std::string first_of(const std::vector<std::string>& xs, size_t n = 5) {
  std::string result;
  for (size_t i = 0; i < xs.size() && i < n; ++i)
    result += "\n  " + xs[i];
  return result;
}

} // namespace mink::conformance
