// The load runner of mink::bench on a real runtime (memory store, the
// test account): closed and open loop, errors by kind, bad configuration.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include "../support/error_text.hpp"
#include "../support/test_account.hpp"
#include "mink/actors/runtime.hpp"
#include "mink/bench/load_run.hpp"
#include "mink/errc.hpp"

using namespace mink;
using namespace std::chrono_literals;
using mink::test_support::why;

namespace {

struct load_fixture {
  std::shared_ptr<event_registry> registry
    = std::make_shared<event_registry>();
  std::unique_ptr<runtime> rt;

  load_fixture() {
    BOOST_REQUIRE(!test_domain::register_events(*registry));
    runtime_config cfg;
    auto where = parse_store_url("memory:");
    BOOST_REQUIRE(where);
    cfg.store = *where;
    cfg.threads = 2;
    auto started = runtime::start(cfg, registry);
    BOOST_REQUIRE_MESSAGE(started, why(started));
    rt = std::move(*started);
    BOOST_REQUIRE(rt->add_aggregate<test_domain::account_decider>(
      "account", {"account_command"}));
    BOOST_REQUIRE(!rt->start_commands({}));
  }
};

/// Opens account `<prefix><n>`: every command succeeds.
bench::command_generator opening(std::string prefix) {
  return [prefix](uint64_t n) {
    return test_domain::make_command(prefix + std::to_string(n),
                                     test_domain::open_account{"o"});
  };
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(load_runs, load_fixture)

BOOST_AUTO_TEST_CASE(a_closed_loop_counts_every_answer) {
  bench::load_config cfg;
  cfg.in_flight = 8;
  cfg.duration = 500ms;
  cfg.warmup = 100ms;
  auto res = bench::run_load(*rt->commands(), opening("c"), cfg);
  BOOST_REQUIRE_MESSAGE(res, why(res));
  BOOST_TEST(res->ok > 0u);
  BOOST_TEST(res->errors.empty());
  BOOST_TEST(res->latency.count() == res->ok);
  BOOST_TEST(res->latency.max() > 0);
  BOOST_TEST(res->seconds > 0);
}

BOOST_AUTO_TEST_CASE(an_open_loop_sends_what_is_due_and_counts_errors_by_kind) {
  bench::load_config cfg;
  cfg.rate = 200;
  cfg.duration = 1s;
  // Deposits to accounts never opened: each is refused by the rule.
  auto deposits = [](uint64_t n) {
    return test_domain::make_command("none" + std::to_string(n % 10),
                                     test_domain::deposit{1});
  };
  auto res = bench::run_load(*rt->commands(), deposits, cfg);
  BOOST_REQUIRE_MESSAGE(res, why(res));
  // Due at 0, 5, ..., 995 ms: 200 commands, however late the machine.
  BOOST_TEST(res->latency.count() == 200u);
  BOOST_TEST(res->ok == 0u);
  BOOST_REQUIRE_EQUAL(res->errors.size(), 1u);
  auto kind = res->errors.begin()->first;
  BOOST_TEST(kind.rfind("bank:", 0) == 0u, kind);
  BOOST_TEST(res->errors.begin()->second == 200u);
}

BOOST_AUTO_TEST_CASE(a_run_of_a_count_keeps_a_series_and_reports_progress) {
  bench::load_config cfg;
  cfg.in_flight = 4;
  cfg.count = 3000;
  cfg.interval = 20ms;
  // Called from CAF's threads: atomics only, checked here afterwards.
  auto calls = std::make_shared<std::atomic<size_t>>(0);
  auto empty = std::make_shared<std::atomic<size_t>>(0);
  cfg.on_progress = [calls, empty](const bench::interval_sample& s) {
    ++*calls;
    if (!(s.seconds > 0))
      ++*empty;
  };
  auto res = bench::run_load(*rt->commands(), opening("n"), cfg);
  BOOST_REQUIRE_MESSAGE(res, why(res));
  // Exactly the count, however long it took.
  BOOST_TEST(res->latency.count() == 3000u);
  BOOST_TEST(res->ok == 3000u);
  BOOST_REQUIRE(!res->series.empty());
  BOOST_TEST(calls->load() > 0u);
  BOOST_TEST(calls->load() <= res->series.size());
  BOOST_TEST(empty->load() == 0u);
  // The series adds up to the answers (a last short part aside), in order.
  uint64_t answered = 0;
  double at = 0;
  for (auto& s : res->series) {
    answered += s.ok + s.failed;
    BOOST_TEST(s.at > at);
    at = s.at;
    if (s.ok > 0)
      BOOST_TEST(s.p99 >= s.p50);
    BOOST_TEST(s.total_ok == answered);
  }
  BOOST_TEST(answered <= 3000u);
  // Only a last part shorter than half an interval is left out.
  BOOST_TEST(res->seconds - res->series.back().at < 0.010 + 1e-9);
}

BOOST_AUTO_TEST_CASE(operations_name_their_own_failures) {
  bench::load_config cfg;
  cfg.count = 10;
  auto op = [](uint64_t n, bench::operation_done done) {
    if (n % 2 == 0)
      done({make_error(errc::storage_failure, "HTTP 503"), "HTTP 503 overloaded"});
    else
      done({});
  };
  auto res = bench::run_operations(op, cfg);
  BOOST_REQUIRE_MESSAGE(res, why(res));
  BOOST_TEST(res->ok == 5u);
  BOOST_REQUIRE_EQUAL(res->errors.size(), 1u);
  BOOST_TEST(res->errors.begin()->first == "HTTP 503 overloaded");
  BOOST_TEST(res->errors.begin()->second == 5u);
}

BOOST_AUTO_TEST_CASE(a_bad_configuration_is_refused_by_name) {
  bench::load_config cfg;
  cfg.in_flight = 0;
  auto res = bench::run_load(*rt->commands(), opening("x"), cfg);
  BOOST_REQUIRE(!res);
  BOOST_TEST((code_of(res.error()) == errc::invalid_argument));
  BOOST_TEST(to_text(res.error()).find("in_flight") != std::string::npos);
  cfg = {};
  cfg.rate = -1;
  BOOST_TEST((code_of(bench::run_load(*rt->commands(), opening("x"), cfg)
                        .error())
              == errc::invalid_argument));
  cfg = {};
  BOOST_TEST((code_of(bench::run_load(*rt->commands(), {}, cfg).error())
              == errc::invalid_argument));
  BOOST_TEST(bench::error_kind(make_error(errc::timeout)) == "timeout");
  // A generator that throws ends the run with an error, not a crash.
  cfg = {};
  cfg.duration = 10s;
  auto throwing = [](uint64_t n) -> command_envelope {
    if (n == 20)
      throw std::runtime_error("out of ids");
    return test_domain::make_command("t" + std::to_string(n),
                                     test_domain::open_account{"o"});
  };
  auto thrown = bench::run_load(*rt->commands(), throwing, cfg);
  BOOST_REQUIRE(!thrown);
  BOOST_TEST((code_of(thrown.error()) == errc::handler_failed));
  BOOST_TEST(to_text(thrown.error()).find("out of ids") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
