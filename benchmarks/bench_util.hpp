#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

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

/// The `p` quantile of `xs` (0 <= p <= 1, nearest rank below); 0 when
/// `xs` is empty.
inline double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  auto i = static_cast<size_t>(p * static_cast<double>(xs.size() - 1));
  return xs[i];
}

/// One line of the results table.
struct result_row {
  std::string name;
  size_t events;
  double seconds;
  double rate() const { return static_cast<double>(events) / seconds; }
};

} // namespace mink::bench
