#include "mink/bench/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

#include "mink/errc.hpp"

namespace mink::bench {

namespace {

/// The position of the highest set bit of `x` (> 0).
int top_bit(uint64_t x) noexcept {
  return 63 - __builtin_clzll(x);
}

} // namespace

// The layout is HdrHistogram's: bucket 0 holds the values 0 to
// 2^sub_bits - 1 one by one; bucket b > 0 holds 2^(sub_bits - 1) counters
// of width 2^b for the values 2^(sub_bits - 1 + b) to 2^(sub_bits + b) - 1.
// The counter of v is found with one bit scan, no search.
latency_histogram::latency_histogram(int64_t highest, int digits)
  : highest_(std::max<int64_t>(highest, 2)),
    digits_(std::clamp(digits, 1, 4)) {
  auto exact_below = 2 * static_cast<int64_t>(std::pow(10, digits_));
  sub_bits_ = top_bit(static_cast<uint64_t>(exact_below - 1)) + 1;
  counts_.resize(index_of(highest_) + 1, 0);
}

size_t latency_histogram::index_of(int64_t value) const noexcept {
  auto v = static_cast<uint64_t>(value);
  auto sub_mask = (uint64_t{1} << sub_bits_) - 1;
  auto b = static_cast<uint64_t>(top_bit(v | sub_mask) - (sub_bits_ - 1));
  auto half = uint64_t{1} << (sub_bits_ - 1);
  return static_cast<size_t>(b * half + (v >> b));
}

int64_t latency_histogram::low_of(size_t index) const noexcept {
  auto half = size_t{1} << (sub_bits_ - 1);
  if (index < 2 * half)
    return static_cast<int64_t>(index);
  auto b = static_cast<int>(index / half) - 1;
  auto sub = index % half + half;
  return static_cast<int64_t>(sub << b);
}

int64_t latency_histogram::high_of(size_t index) const noexcept {
  auto half = size_t{1} << (sub_bits_ - 1);
  if (index < 2 * half)
    return static_cast<int64_t>(index);
  auto b = static_cast<int>(index / half) - 1;
  return low_of(index) + (int64_t{1} << b) - 1;
}

void latency_histogram::record(int64_t value, uint64_t n) {
  if (n == 0)
    return;
  value = std::max<int64_t>(value, 0);
  if (value > highest_) {
    value = highest_;
    clamped_ += n;
  }
  counts_[index_of(value)] += n;
  min_ = total_ == 0 ? value : std::min(min_, value);
  max_ = std::max(max_, value);
  total_ += n;
}

caf::error latency_histogram::merge(const latency_histogram& other) {
  if (other.highest_ != highest_ || other.digits_ != digits_)
    return make_error(errc::invalid_argument,
                      "cannot merge a histogram of highest "
                        + std::to_string(other.highest_) + " and "
                        + std::to_string(other.digits_)
                        + " digits into one of highest "
                        + std::to_string(highest_) + " and "
                        + std::to_string(digits_) + " digits");
  if (other.total_ == 0)
    return {};
  for (size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  min_ = total_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  total_ += other.total_;
  clamped_ += other.clamped_;
  return {};
}

void latency_histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = clamped_ = 0;
  min_ = max_ = 0;
}

double latency_histogram::mean() const {
  if (total_ == 0)
    return 0;
  double sum = 0;
  for (size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i] != 0)
      sum += static_cast<double>(counts_[i])
             * (static_cast<double>(low_of(i)) + high_of(i)) / 2;
  return sum / static_cast<double>(total_);
}

int64_t latency_histogram::percentile(double p) const {
  if (total_ == 0)
    return 0;
  p = std::clamp(p, 0.0, 100.0);
  // The rank of the recording at `p`, counted from 1.
  auto rank = static_cast<uint64_t>(
    std::ceil(p / 100.0 * static_cast<double>(total_)));
  rank = std::clamp<uint64_t>(rank, 1, total_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank)
      return std::min(high_of(i), max_);
  }
  return max_;
}

std::vector<latency_histogram::bucket> latency_histogram::buckets() const {
  std::vector<bucket> out;
  for (size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i] != 0)
      out.push_back({low_of(i), std::min(high_of(i), max_), counts_[i]});
  return out;
}

} // namespace mink::bench
