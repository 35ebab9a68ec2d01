// mink::bench's one call, `run_benchmark`: a runtime on the memory store,
// the test account, a projection whose lag is sampled; what the report
// holds; and bad input refused by name.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "../support/error_text.hpp"
#include "../support/test_account.hpp"
#include "mink/bench/benchmark.hpp"
#include "mink/errc.hpp"

using namespace mink;
using namespace std::chrono_literals;
using mink::test_support::why;

namespace bench_one_call {

/// Counts the events it is given.
class counting : public async_projection {
public:
  std::string name() const override {
    return "counting";
  }

  caf::error handle(const std::vector<recorded_event>& events) override {
    seen += events.size();
    return {};
  }

  std::atomic<uint64_t> seen{0};
};

bench::workload accounts(std::shared_ptr<counting> proj) {
  bench::workload w;
  w.add_aggregates = [](runtime& rt) {
    auto added = rt.add_aggregate<test_domain::account_decider>(
      "account", {"account_command"});
    return added ? caf::error{} : added.error();
  };
  w.add_projections = [proj](runtime& rt) {
    return rt.projections().add(proj);
  };
  w.operations = [](runtime& rt) {
    return bench::command_operation(*rt.commands(), [](uint64_t n) {
      return test_domain::make_command("b" + std::to_string(n),
                                       test_domain::open_account{"o"});
    });
  };
  return w;
}

std::shared_ptr<event_registry> registry() {
  auto reg = std::make_shared<event_registry>();
  BOOST_REQUIRE(!test_domain::register_events(*reg));
  return reg;
}

} // namespace bench_one_call

using namespace bench_one_call;

BOOST_AUTO_TEST_SUITE(bench_one_call_runs)

BOOST_AUTO_TEST_CASE(a_run_reports_what_it_measured) {
  auto proj = std::make_shared<counting>();
  bench::benchmark_config cfg;
  cfg.name = "accounts";
  cfg.runtime.threads = 2;
  cfg.load.count = 2000;
  cfg.load.in_flight = 16;
  cfg.load.interval = 50ms;
  cfg.lag_interval = 5ms;
  cfg.progress = false;
  cfg.parameters["mine"] = "yes";
  auto r = bench::run_benchmark(accounts(proj), registry(), cfg);
  BOOST_REQUIRE_MESSAGE(r, why(r));
  BOOST_TEST(r->name == "accounts");
  BOOST_TEST(r->store == "memory");
  BOOST_TEST(r->ok == 2000u);
  BOOST_TEST(r->latency.count == 2000u);
  BOOST_TEST(r->failed() == 0u);
  BOOST_TEST(r->parameters.at("mine") == "yes");
  BOOST_TEST(r->parameters.at("count") == "2000");
  BOOST_TEST(r->parameters.at("loop") == "closed");
  // Each open spawned its account's actor.
  BOOST_TEST(r->spawned == 2000u);
  // The projection caught up before the report: it saw every event.
  BOOST_TEST(r->catch_up_seconds >= 0);
  BOOST_TEST(proj->seen.load() == 2000u);
  BOOST_TEST(!r->lag.empty());
  BOOST_TEST(r->resources.process_cpu > 0);
  BOOST_TEST(r->resources.peak_rss_kib > 0);
  BOOST_TEST(r->resources.postgres_cpu < 0, "no PostgreSQL behind memory:");
  BOOST_TEST(!r->started_at.empty());
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_by_name) {
  bench::benchmark_config cfg;
  cfg.progress = false;
  cfg.store = "nosuch:x";
  auto bad_url = bench::run_benchmark(accounts(std::make_shared<counting>()),
                                      registry(), cfg);
  BOOST_REQUIRE(!bad_url);
  BOOST_TEST((code_of(bad_url.error()) == errc::invalid_argument));
  BOOST_TEST(to_text(bad_url.error()).find("nosuch") != std::string::npos,
             to_text(bad_url.error()));
  cfg.store = "memory:";
  auto no_ops = accounts(std::make_shared<counting>());
  no_ops.operations = nullptr;
  auto empty = bench::run_benchmark(no_ops, registry(), cfg);
  BOOST_REQUIRE(!empty);
  BOOST_TEST(to_text(empty.error()).find("operations") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
