// The latency histogram of mink::bench: every value counted, each kept to
// its significant digits, percentiles never below the true ones.

#define BOOST_TEST_MODULE mink bench tests
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "mink/bench/latency_histogram.hpp"
#include "mink/errc.hpp"

using mink::bench::latency_histogram;

namespace {

/// The exact value at percentile `p` of `xs` (sorted), by the same rank
/// rule as the histogram: the ceil(p% * n)-th smallest.
int64_t exact_percentile(const std::vector<int64_t>& xs, double p) {
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * xs.size()));
  rank = std::clamp<size_t>(rank, 1, xs.size());
  return xs[rank - 1];
}

} // namespace

BOOST_AUTO_TEST_SUITE(latency_histograms)

BOOST_AUTO_TEST_CASE(small_values_are_exact) {
  latency_histogram h{1'000'000, 3};
  for (int64_t v = 0; v < 2000; ++v)
    h.record(v);
  BOOST_TEST(h.count() == 2000u);
  BOOST_TEST(h.min() == 0);
  BOOST_TEST(h.max() == 1999);
  BOOST_TEST(h.percentile(50) == 999);
  BOOST_TEST(h.percentile(100) == 1999);
  auto bs = h.buckets();
  BOOST_REQUIRE_EQUAL(bs.size(), 2000u);
  BOOST_TEST(bs[1234].low == 1234);
  BOOST_TEST(bs[1234].high == 1234);
}

BOOST_AUTO_TEST_CASE(percentiles_keep_their_significant_digits) {
  // Log-uniform values over nine orders of magnitude, as latencies spread.
  std::mt19937_64 rng{42};
  std::uniform_real_distribution<double> exponent{0, 9};
  std::vector<int64_t> xs;
  latency_histogram h; // nanoseconds up to an hour, 3 digits
  for (int i = 0; i < 200'000; ++i) {
    auto v = static_cast<int64_t>(std::pow(10, exponent(rng)));
    xs.push_back(v);
    h.record(v);
  }
  std::sort(xs.begin(), xs.end());
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    auto want = exact_percentile(xs, p);
    auto got = h.percentile(p);
    BOOST_TEST_CONTEXT("p" << p << ": exact " << want << ", got " << got) {
      BOOST_TEST(got >= want); // never below the true value
      BOOST_TEST(static_cast<double>(got - want)
                 <= static_cast<double>(want) / 1000.0);
    }
  }
  BOOST_TEST(h.min() == xs.front());
  BOOST_TEST(h.max() == xs.back());
  double sum = 0;
  for (auto x : xs)
    sum += static_cast<double>(x);
  BOOST_TEST(std::abs(h.mean() - sum / xs.size()) <= sum / xs.size() / 1000);
}

BOOST_AUTO_TEST_CASE(a_rare_slow_request_is_not_lost) {
  latency_histogram h;
  h.record(100'000, 9'999); // 100 us
  h.record(250'000'000);    // one of 250 ms
  BOOST_TEST(h.count() == 10'000u);
  BOOST_TEST(h.percentile(99.9) <= 100'100);
  BOOST_TEST(h.percentile(99.99) <= 100'100);
  BOOST_TEST(h.percentile(100) == 250'000'000);
  BOOST_TEST(h.max() == 250'000'000);
  auto bs = h.buckets();
  BOOST_REQUIRE_EQUAL(bs.size(), 2u);
  BOOST_TEST(bs[1].count == 1u);
  BOOST_TEST(bs[1].high == 250'000'000);
}

BOOST_AUTO_TEST_CASE(out_of_range_values_are_clamped_and_counted) {
  latency_histogram h{1000, 2};
  h.record(-5);
  h.record(5000, 3);
  BOOST_TEST(h.count() == 4u);
  BOOST_TEST(h.clamped() == 3u);
  BOOST_TEST(h.min() == 0);
  BOOST_TEST(h.max() == 1000);
  BOOST_TEST(h.percentile(100) == 1000);
}

BOOST_AUTO_TEST_CASE(histograms_merge_only_when_their_layouts_match) {
  latency_histogram a;
  latency_histogram b;
  a.record(10);
  b.record(20'000, 2);
  BOOST_REQUIRE(!a.merge(b));
  BOOST_TEST(a.count() == 3u);
  BOOST_TEST(a.min() == 10);
  BOOST_TEST(a.max() == 20'000);
  latency_histogram other{1'000'000, 2};
  auto err = a.merge(other);
  BOOST_TEST((mink::code_of(err) == mink::errc::invalid_argument));
  BOOST_TEST(a.count() == 3u);
  a.reset();
  BOOST_TEST(a.count() == 0u);
  BOOST_TEST(a.percentile(99) == 0);
  BOOST_TEST(a.buckets().empty());
}

BOOST_AUTO_TEST_SUITE_END()
