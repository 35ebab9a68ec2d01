#include "mink/metrics/histogram.hpp"

#include <algorithm>
#include <cmath>

#include "mink/metrics/atomic_double.hpp"

namespace mink::metrics {

histogram::histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  bounds_.erase(std::remove_if(bounds_.begin(), bounds_.end(),
                               [](double x) { return !std::isfinite(x); }),
                bounds_.end());
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  auto n = bounds_.size() + 1;
  counts_ = std::make_unique<std::atomic<uint64_t>[]>(n);
  for (size_t i = 0; i < n; ++i)
    counts_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double x) noexcept {
  if (std::isnan(x))
    return;
  // First bound >= x; bounds_.size() (the +Inf bucket) when there is none.
  auto i = std::lower_bound(bounds_.begin(), bounds_.end(), x)
           - bounds_.begin();
  counts_[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
  detail::atomic_add(sum_, x);
}

uint64_t histogram::count() const noexcept {
  uint64_t result = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i)
    result += counts_[i].load(std::memory_order_relaxed);
  return result;
}

histogram_snapshot histogram::snapshot() const {
  histogram_snapshot result;
  result.bounds = bounds_;
  result.cumulative_counts.reserve(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    result.cumulative_counts.push_back(total);
  }
  result.sum = sum_.load(std::memory_order_relaxed);
  return result;
}

} // namespace mink::metrics
