#include "mink/metrics/registry.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "mink/errc.hpp"
#include "mink/metrics/names.hpp"
#include "mink/metrics/scoped_timer.hpp"
#include "mink/metrics/text_format.hpp"

using namespace mink;
using namespace mink::metrics;

namespace {

/// The error code of `x`, or `errc::none` when it holds a value.
template <class T>
errc code(const caf::expected<T>& x) {
  return x ? errc::none : code_of(x.error());
}

/// Unwraps `x`, failing the test (with the error's text) when it has none.
template <class T>
T* get(caf::expected<T*> x) {
  BOOST_REQUIRE_MESSAGE(x, (x ? std::string{} : to_text(x.error())));
  BOOST_REQUIRE(*x != nullptr);
  return *x;
}

constexpr int num_threads = 8;

constexpr int per_thread = 100'000;

/// Runs `f(thread_index)` on `num_threads` threads and waits for all.
template <class F>
void run_threads(F f) {
  std::vector<std::thread> threads;
  for (int i = 0; i < num_threads; ++i)
    threads.emplace_back([&f, i] { f(i); });
  for (auto& t : threads)
    t.join();
}

} // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(text_output_of_a_small_registry) {
  registry reg;
  auto* appended = get(reg.add_counter("mink_events_appended_total",
                                       "Events appended."));
  get(appended->with({}))->add(3);
  auto* commands = get(reg.add_counter("mink_commands_total",
                                       "Commands handled.",
                                       {"type", "outcome"}));
  auto* deposit_ok = get(commands->with({"deposit", "ok"}));
  deposit_ok->inc();
  deposit_ok->inc();
  get(commands->with({"withdraw", "rejected"}))->inc();
  get(commands->with({"deposit", "failed"}))->add(1.0);
  auto* live = get(reg.add_gauge("mink_live_aggregates",
                                 "Live aggregate actors."));
  get(live->with({}))->set(42);
  get(live->with({}))->dec();
  auto* latency = get(reg.add_histogram("mink_command_latency_seconds",
                                        "Command latency.", {"type"},
                                        {0.125, 0.5, 1}));
  auto* deposit = get(latency->with({"deposit"}));
  for (auto x : {0.0625, 0.125, 0.75, 3.0})
    deposit->observe(x);
  get(reg.add_histogram("mink_batch_size", "", {}, {1, 10}));
  auto* cpu = get(reg.add_counter("process_cpu_seconds_total", "CPU time."));
  get(cpu->with({}))->add(1.5);
  BOOST_CHECK_EQUAL(reg.size(), 6u);
  BOOST_CHECK_EQUAL(to_prometheus_text(reg),
                    "# TYPE mink_batch_size histogram\n"
                    "mink_batch_size_bucket{le=\"1\"} 0\n"
                    "mink_batch_size_bucket{le=\"10\"} 0\n"
                    "mink_batch_size_bucket{le=\"+Inf\"} 0\n"
                    "mink_batch_size_sum 0\n"
                    "mink_batch_size_count 0\n"
                    "# HELP mink_command_latency_seconds Command latency.\n"
                    "# TYPE mink_command_latency_seconds histogram\n"
                    "mink_command_latency_seconds_bucket"
                    "{type=\"deposit\",le=\"0.125\"} 2\n"
                    "mink_command_latency_seconds_bucket"
                    "{type=\"deposit\",le=\"0.5\"} 2\n"
                    "mink_command_latency_seconds_bucket"
                    "{type=\"deposit\",le=\"1\"} 3\n"
                    "mink_command_latency_seconds_bucket"
                    "{type=\"deposit\",le=\"+Inf\"} 4\n"
                    "mink_command_latency_seconds_sum{type=\"deposit\"} "
                    "3.9375\n"
                    "mink_command_latency_seconds_count{type=\"deposit\"} 4\n"
                    "# HELP mink_commands_total Commands handled.\n"
                    "# TYPE mink_commands_total counter\n"
                    "mink_commands_total{type=\"deposit\",outcome=\"failed\"} "
                    "1\n"
                    "mink_commands_total{type=\"deposit\",outcome=\"ok\"} 2\n"
                    "mink_commands_total"
                    "{type=\"withdraw\",outcome=\"rejected\"} 1\n"
                    "# HELP mink_events_appended_total Events appended.\n"
                    "# TYPE mink_events_appended_total counter\n"
                    "mink_events_appended_total 3\n"
                    "# HELP mink_live_aggregates Live aggregate actors.\n"
                    "# TYPE mink_live_aggregates gauge\n"
                    "mink_live_aggregates 41\n"
                    "# HELP process_cpu_seconds_total CPU time.\n"
                    "# TYPE process_cpu_seconds_total counter\n"
                    "process_cpu_seconds_total 1.5\n");
}

BOOST_AUTO_TEST_CASE(labelled_family_without_children_writes_only_headers) {
  registry reg;
  get(reg.add_gauge("lag_events", "Lag.", {"projection"}));
  BOOST_CHECK_EQUAL(to_prometheus_text(reg), "# HELP lag_events Lag.\n"
                                             "# TYPE lag_events gauge\n");
}

BOOST_AUTO_TEST_CASE(default_latency_buckets_render_as_plain_decimals) {
  registry reg;
  get(reg.add_histogram("latency_seconds", "Latency."));
  auto text = to_prometheus_text(reg);
  std::string expected;
  for (auto le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
                  "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
                  "+Inf"})
    expected += "latency_seconds_bucket{le=\"" + std::string{le} + "\"} 0\n";
  BOOST_CHECK_NE(text.find(expected), std::string::npos);
  BOOST_CHECK_EQUAL(default_latency_buckets().size(), 14u);
  BOOST_CHECK(!validate_buckets(default_latency_buckets()));
}

BOOST_AUTO_TEST_CASE(escaping) {
  BOOST_CHECK_EQUAL(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  BOOST_CHECK_EQUAL(escape_help("a\\b\"c\nd"), "a\\\\b\"c\\nd");
  registry reg;
  auto* fam = get(reg.add_counter("requests_total",
                                  "Requests,\nby path \\ \"quoted\".",
                                  {"path"}));
  get(fam->with({"/a\"b\\c\nd"}))->inc();
  get(fam->with({"grüße"}))->inc();
  BOOST_CHECK_EQUAL(to_prometheus_text(reg),
                    "# HELP requests_total Requests,\\nby path \\\\ "
                    "\"quoted\".\n"
                    "# TYPE requests_total counter\n"
                    "requests_total{path=\"/a\\\"b\\\\c\\nd\"} 1\n"
                    "requests_total{path=\"grüße\"} 1\n");
}

BOOST_AUTO_TEST_CASE(float_formatting) {
  auto inf = std::numeric_limits<double>::infinity();
  BOOST_CHECK_EQUAL(format_prometheus_float(0.0), "0");
  BOOST_CHECK_EQUAL(format_prometheus_float(-0.0), "0");
  BOOST_CHECK_EQUAL(format_prometheus_float(1.0), "1");
  BOOST_CHECK_EQUAL(format_prometheus_float(-1.5), "-1.5");
  BOOST_CHECK_EQUAL(format_prometheus_float(0.1), "0.1");
  BOOST_CHECK_EQUAL(format_prometheus_float(0.0005), "0.0005");
  BOOST_CHECK_EQUAL(format_prometheus_float(1e-5), "1e-05");
  BOOST_CHECK_EQUAL(format_prometheus_float(123456789.0), "123456789");
  BOOST_CHECK_EQUAL(format_prometheus_float(1e21), "1e+21");
  BOOST_CHECK_EQUAL(format_prometheus_float(0.1 + 0.2),
                    "0.30000000000000004");
  BOOST_CHECK_EQUAL(format_prometheus_float(inf), "+Inf");
  BOOST_CHECK_EQUAL(format_prometheus_float(-inf), "-Inf");
  BOOST_CHECK_EQUAL(format_prometheus_float(std::nan("")), "NaN");
  // Shortest round trip: the text reads back as the same double.
  for (auto x : {1.0 / 3.0, 2.0 / 3.0 * 1e-7, 6.02214076e23, 4.9e-324}) {
    auto text = format_prometheus_float(x);
    BOOST_CHECK_EQUAL(std::strtod(text.c_str(), nullptr), x);
  }
}

BOOST_AUTO_TEST_CASE(metric_and_label_names) {
  for (auto name : {"a", "_a", ":a", "a:b_c9", "mink_commands_total"})
    BOOST_CHECK_MESSAGE(!validate_metric_name(name), name);
  for (auto name : {"", "9a", "a-b", "a b", "a.b", "grüße", "a\n"})
    BOOST_CHECK_MESSAGE(code_of(validate_metric_name(name))
                          == errc::invalid_argument,
                        name);
  for (auto name : {"a", "_a", "a_b9", "le", "_"})
    BOOST_CHECK_MESSAGE(!validate_label_name(name), name);
  for (auto name : {"", "9a", "a:b", "a-b", "__a", "__"})
    BOOST_CHECK_MESSAGE(code_of(validate_label_name(name))
                          == errc::invalid_argument,
                        name);
  registry reg;
  BOOST_CHECK(code(reg.add_counter("bad-name", "")) == errc::invalid_argument);
  BOOST_CHECK(code(reg.add_gauge("ok", "", {"__reserved"}))
              == errc::invalid_argument);
  BOOST_CHECK(code(reg.add_gauge("ok", "", {"a", "a"}))
              == errc::invalid_argument);
  BOOST_CHECK(code(reg.add_histogram("ok", "", {"le"}))
              == errc::invalid_argument);
  BOOST_CHECK(code(reg.add_counter("ok", "\xff")) == errc::invalid_argument);
  BOOST_CHECK(code(reg.add_counter("ok", "", {"le"})) == errc::none);
  BOOST_CHECK_EQUAL(reg.size(), 1u);
}

BOOST_AUTO_TEST_CASE(registering_a_name_twice) {
  registry reg;
  auto* first = get(reg.add_counter("x_total", "X.", {"a"}));
  BOOST_CHECK_EQUAL(get(reg.add_counter("x_total", "X.", {"a"})), first);
  auto as_gauge = reg.add_gauge("x_total", "X.", {"a"});
  BOOST_REQUIRE(!as_gauge);
  BOOST_CHECK(code(as_gauge) == errc::invalid_argument);
  BOOST_CHECK_EQUAL(to_text(as_gauge.error()),
                    "invalid_argument: metric x_total is already registered "
                    "as a counter, not a gauge");
  BOOST_CHECK(code(reg.add_histogram("x_total", "X.", {"a"}))
              == errc::invalid_argument);
  BOOST_CHECK(code(reg.add_counter("x_total", "Other help.", {"a"}))
              == errc::invalid_argument);
  BOOST_CHECK(code(reg.add_counter("x_total", "X.", {"b"}))
              == errc::invalid_argument);
  auto* h = get(reg.add_histogram("h", "H.", {}, {1, 2}));
  BOOST_CHECK_EQUAL(get(reg.add_histogram("h", "H.", {}, {1, 2})), h);
  BOOST_CHECK(code(reg.add_histogram("h", "H.", {}, {1, 3}))
              == errc::invalid_argument);
  // Sample names of one family must not collide with another's.
  BOOST_CHECK(code(reg.add_counter("h_count", "")) == errc::invalid_argument);
  BOOST_CHECK(code(reg.add_gauge("h_sum", "")) == errc::invalid_argument);
  BOOST_CHECK(code(reg.add_counter("h_bucket", "")) == errc::invalid_argument);
  get(reg.add_gauge("y_sum", ""));
  BOOST_CHECK(code(reg.add_histogram("y", "")) == errc::invalid_argument);
  BOOST_CHECK_EQUAL(reg.size(), 3u);
}

BOOST_AUTO_TEST_CASE(label_values) {
  registry reg;
  auto* fam = get(reg.add_counter("c_total", "", {"a", "b"}));
  auto too_few = fam->with({"x"});
  BOOST_REQUIRE(!too_few);
  BOOST_CHECK_EQUAL(to_text(too_few.error()),
                    "invalid_argument: metric c_total expects 2 label "
                    "value(s) (a, b), got 1");
  BOOST_CHECK(code(fam->with({"x", "y", "z"})) == errc::invalid_argument);
  BOOST_CHECK(code(fam->with({})) == errc::invalid_argument);
  BOOST_CHECK(code(fam->with({"x", "\xc3("})) == errc::invalid_argument);
  BOOST_CHECK_EQUAL(fam->size(), 0u);
  // The same label values give the same child; empty values are fine.
  auto* child = get(fam->with({"x", ""}));
  BOOST_CHECK_EQUAL(get(fam->with({"x", ""})), child);
  BOOST_CHECK_NE(get(fam->with({"", "x"})), child);
  BOOST_CHECK_EQUAL(fam->size(), 2u);
  auto* plain = get(reg.add_gauge("g", ""));
  BOOST_CHECK_EQUAL(plain->size(), 1u);
  BOOST_CHECK(code(plain->with({"x"})) == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(invalid_buckets) {
  auto nan = std::nan("");
  auto inf = std::numeric_limits<double>::infinity();
  registry reg;
  for (auto buckets : std::vector<std::vector<double>>{
         {}, {1, 0.5}, {1, 1}, {0.5, 1, 1, 2}, {1, nan}, {1, inf}, {-inf, 1}}) {
    auto res = reg.add_histogram("h", "", {}, buckets);
    BOOST_CHECK(code(res) == errc::invalid_argument);
  }
  auto res = reg.add_histogram("h", "", {}, {2, 1});
  BOOST_REQUIRE(!res);
  BOOST_CHECK_EQUAL(to_text(res.error()),
                    "invalid_argument: histogram h: bucket bounds must be "
                    "strictly increasing: bound 1 is not above bound 0");
  BOOST_CHECK_EQUAL(reg.size(), 0u);
  // Negative bounds are fine.
  BOOST_CHECK(code(reg.add_histogram("h", "", {}, {-1, 0, 1})) == errc::none);
}

BOOST_AUTO_TEST_CASE(bucket_helpers) {
  auto lin = linear_buckets(0.5, 0.5, 3);
  BOOST_REQUIRE(lin);
  BOOST_CHECK((*lin == std::vector<double>{0.5, 1.0, 1.5}));
  auto exp = exponential_buckets(1, 2, 4);
  BOOST_REQUIRE(exp);
  BOOST_CHECK((*exp == std::vector<double>{1, 2, 4, 8}));
  BOOST_CHECK(code(linear_buckets(0, 0, 3)) == errc::invalid_argument);
  BOOST_CHECK(code(linear_buckets(0, 1, 0)) == errc::invalid_argument);
  BOOST_CHECK(code(exponential_buckets(1, 1, 3)) == errc::invalid_argument);
  BOOST_CHECK(code(exponential_buckets(0, 2, 3)) == errc::invalid_argument);
  BOOST_CHECK(code(exponential_buckets(1e300, 1e10, 3))
              == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(bucket_boundaries) {
  histogram h{{1, 2, 3}};
  h.observe(1);         // le=1: a value equal to a bound lands in it
  h.observe(1.000001);  // le=2
  h.observe(2);         // le=2
  h.observe(3);         // le=3
  h.observe(3.5);       // +Inf
  h.observe(-5);        // le=1
  h.observe(std::nan("")); // ignored
  auto snap = h.snapshot();
  BOOST_CHECK((snap.cumulative_counts == std::vector<uint64_t>{2, 4, 5, 6}));
  BOOST_CHECK_EQUAL(snap.count(), 6u);
  BOOST_CHECK_EQUAL(h.count(), 6u);
  BOOST_CHECK_CLOSE(snap.sum, 1 + 1.000001 + 2 + 3 + 3.5 - 5, 1e-9);
  // A histogram built directly repairs its bounds.
  histogram repaired{{3, 1, 1, std::nan(""), 2}};
  BOOST_CHECK((repaired.bounds() == std::vector<double>{1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(counter_and_gauge_values) {
  counter c;
  c.inc();
  c.add(2);
  c.add(-5);             // ignored
  c.add(2.0);            // whole: exact integer part
  c.add(0.25);
  c.add(-0.5);           // ignored
  c.add(std::nan(""));   // ignored
  BOOST_CHECK_EQUAL(c.integer_part(), 5u);
  BOOST_CHECK_EQUAL(c.float_part(), 0.25);
  BOOST_CHECK_EQUAL(c.value(), 5.25);
  // Integer totals stay exact beyond 2^53.
  registry reg;
  auto* big = get(get(reg.add_counter("big_total", ""))->with({}));
  big->add(uint64_t{1} << 60);
  big->inc();
  BOOST_CHECK_EQUAL(to_prometheus_text(reg),
                    "# TYPE big_total counter\n"
                    "big_total 1152921504606846977\n");
  gauge g;
  g.set(10);
  g.inc();
  g.inc(0.5);
  g.dec(2);
  BOOST_CHECK_EQUAL(g.value(), 9.5);
  g.set(-3);
  BOOST_CHECK_EQUAL(g.value(), -3);
}

BOOST_AUTO_TEST_CASE(concurrent_counter_increments_are_exact) {
  registry reg;
  auto* fam = get(reg.add_counter("ops_total", "", {"kind"}));
  std::vector<counter*> seen(num_threads);
  run_threads([&](int i) {
    auto* child = *fam->with({"inc"});
    seen[i] = child;
    for (int j = 0; j < per_thread; ++j)
      child->inc();
  });
  for (auto* x : seen)
    BOOST_CHECK_EQUAL(x, seen[0]);
  BOOST_CHECK_EQUAL(seen[0]->integer_part(),
                    uint64_t{num_threads} * per_thread);
  BOOST_CHECK_EQUAL(to_prometheus_text(reg),
                    "# TYPE ops_total counter\n"
                    "ops_total{kind=\"inc\"} 800000\n");
  // Fractional additions go through the CAS loop and stay exact too.
  counter halves;
  run_threads([&](int) {
    for (int j = 0; j < per_thread; ++j)
      halves.add(0.5);
  });
  BOOST_CHECK_EQUAL(halves.value(), num_threads * per_thread * 0.5);
}

BOOST_AUTO_TEST_CASE(concurrent_gauge_updates_are_exact) {
  gauge g;
  run_threads([&](int) {
    for (int j = 0; j < per_thread; ++j) {
      g.inc();
      if (j % 2 == 0)
        g.dec();
    }
  });
  BOOST_CHECK_EQUAL(g.value(), num_threads * per_thread / 2.0);
}

BOOST_AUTO_TEST_CASE(concurrent_observations_are_exact) {
  registry reg;
  auto* fam = get(reg.add_histogram("values", "", {}, {0, 2, 4, 6}));
  auto* h = get(fam->with({}));
  run_threads([&](int) {
    for (int j = 0; j < per_thread; ++j)
      h->observe(j % 7);
  });
  double expected_sum = 0;
  for (int j = 0; j < per_thread; ++j)
    expected_sum += j % 7;
  expected_sum *= num_threads;
  auto snap = h->snapshot();
  BOOST_CHECK_EQUAL(snap.count(), uint64_t{num_threads} * per_thread);
  BOOST_CHECK_EQUAL(snap.sum, expected_sum);
  // Per thread, j % 7 takes each value 0..6 either 14285 or 14286 times.
  std::vector<uint64_t> per_value(7, 0);
  for (int j = 0; j < per_thread; ++j)
    ++per_value[j % 7];
  std::vector<uint64_t> expected{per_value[0]};
  expected.push_back(expected.back() + per_value[1] + per_value[2]);
  expected.push_back(expected.back() + per_value[3] + per_value[4]);
  expected.push_back(expected.back() + per_value[5] + per_value[6]);
  expected.push_back(expected.back());
  for (auto& x : expected)
    x *= num_threads;
  BOOST_CHECK((snap.cumulative_counts == expected));
}

BOOST_AUTO_TEST_CASE(scoped_timer_observes_once) {
  histogram h{default_latency_buckets()};
  {
    scoped_timer timer{h};
  }
  BOOST_CHECK_EQUAL(h.count(), 1u);
  {
    scoped_timer timer{h};
    auto seconds = timer.stop();
    BOOST_CHECK_GE(seconds, 0.0);
    BOOST_CHECK_EQUAL(h.count(), 2u);
    timer.stop();
  }
  BOOST_CHECK_EQUAL(h.count(), 2u);
  {
    scoped_timer timer{h};
    timer.cancel();
  }
  BOOST_CHECK_EQUAL(h.count(), 2u);
  {
    scoped_timer first{h};
    scoped_timer second{std::move(first)};
  }
  BOOST_CHECK_EQUAL(h.count(), 3u);
  observe_duration(h, std::chrono::milliseconds{1500});
  BOOST_CHECK_EQUAL(h.count(), 4u);
  BOOST_CHECK_EQUAL(h.snapshot().cumulative_counts[10], 3u); // le=1
  BOOST_CHECK_EQUAL(h.snapshot().cumulative_counts[11], 4u); // le=2.5
  BOOST_CHECK_GE(h.sum(), 1.5);
  BOOST_CHECK_EQUAL(to_seconds(std::chrono::microseconds{250}), 0.00025);
}

BOOST_AUTO_TEST_SUITE_END()
