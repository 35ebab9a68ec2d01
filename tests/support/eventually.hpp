#pragma once

// Waiting in a test for a condition that other threads or processes make
// true: no sleep-and-hope, a bound only for failing.

#include <chrono>
#include <functional>
#include <thread>

namespace mink::test_support {

/// Polls `pred` every `every` until it holds or `bound` passes; returns
/// whether it held. The bound is generous: a loaded machine is slow, and a
/// passing test never waits for it.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds bound = std::chrono::seconds{30},
                       std::chrono::milliseconds every
                       = std::chrono::milliseconds{5}) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(every);
  }
  return pred();
}

} // namespace mink::test_support
