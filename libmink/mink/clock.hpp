#pragma once

#include <chrono>
#include <cstdint>

namespace mink {

/// Returns the wall-clock time in microseconds since the Unix epoch: the
/// unit of `recorded_event::timestamp_us`.
inline int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
    .count();
}

} // namespace mink
