#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "mink/event.hpp"
#include "mink/uuid.hpp"

namespace mink::bench {

/// Wall-clock seconds since `start`.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now()
                                       - start)
    .count();
}

/// A JSON payload of about `size` bytes, as applications write them.
inline std::string make_payload(size_t n, size_t size = 200) {
  std::string data = R"({"account":"acc-)" + std::to_string(n)
                     + R"(","amount":)" + std::to_string(n % 1000)
                     + R"(,"note":")";
  while (data.size() + 2 < size)
    data += 'x';
  data += "\"}";
  return data;
}

/// An event with a 200-byte payload and a correlation id.
inline event_data make_event(size_t n) {
  event_data ev;
  ev.event_id = make_uuid();
  ev.type = "MoneyDeposited";
  ev.data = make_payload(n);
  ev.meta.correlation_id = "bench";
  return ev;
}

/// One line of the results table.
struct result_row {
  std::string name;
  size_t events;
  double seconds;
  double rate() const { return static_cast<double>(events) / seconds; }
};

inline void print_rows(const std::vector<result_row>& rows) {
  std::printf("%-46s %10s %9s %12s\n", "method", "events", "seconds",
              "events/s");
  for (const auto& r : rows)
    std::printf("%-46s %10zu %9.2f %12.0f\n", r.name.c_str(), r.events,
                r.seconds, r.rate());
}

} // namespace mink::bench
