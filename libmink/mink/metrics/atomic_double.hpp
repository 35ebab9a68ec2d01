#pragma once

#include <atomic>

namespace mink::metrics::detail {

static_assert(std::atomic<double>::is_always_lock_free,
              "mink metrics need lock-free atomic doubles");

/// Adds `delta` to `x` with a compare-and-swap loop (C++17 has no
/// `fetch_add` for floating-point atomics). Lock-free; relaxed ordering,
/// since metric values order nothing else.
inline void atomic_add(std::atomic<double>& x, double delta) noexcept {
  auto current = x.load(std::memory_order_relaxed);
  while (!x.compare_exchange_weak(current, current + delta,
                                  std::memory_order_relaxed,
                                  std::memory_order_relaxed)) {
    // current now holds the latest value; try again.
  }
}

} // namespace mink::metrics::detail
