// The service kit's metrics on prometheus-cpp: the command middleware and
// the families read from mink's counters at a scrape.

#define BOOST_TEST_MODULE mink service kit tests
#include <boost/test/unit_test.hpp>

#include <memory>
#include <sstream>
#include <string>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "../support/command_harness.hpp"
#include "mink/actors/aggregate_context.hpp"
#include "mink/actors/append_queue.hpp"
#include "mink/actors/router.hpp"
#include "mink/actors/snapshot_writer.hpp"
#include "mink/command/middleware/validation.hpp"
#include "mink/service/command_metrics.hpp"
#include "mink/service/service_metrics.hpp"

using namespace mink;
using mink::test_support::harness;
using mink::test_support::valid_command;

namespace {

std::string text_of(const prometheus::Registry& reg) {
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, reg.Collect());
  return out.str();
}

/// Sample lines of `text` that start with `prefix`.
size_t series_of(const std::string& text, const std::string& prefix) {
  size_t n = 0;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, prefix.size(), prefix) == 0)
      ++n;
  return n;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(command_metrics_tests)

BOOST_AUTO_TEST_CASE(metrics_count_outcomes_and_time_commands) {
  auto reg = std::make_shared<prometheus::Registry>();
  auto m = command_metrics(reg);
  BOOST_REQUIRE(m);
  command_pipeline p;
  p.use(*m).use(validation());
  harness ok1, ok2, bad;
  ok1.run(p, valid_command());
  ok2.run(p, valid_command());
  auto broken = valid_command();
  broken.aggregate_id.clear();
  bad.run(p, broken);
  auto text = text_of(*reg);
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(text.find("mink_commands_total{outcome=\"ok\",type=\"deposit\"} 2")
             != std::string::npos);
  BOOST_TEST(text.find("mink_commands_total{outcome=\"invalid_argument\","
                       "type=\"deposit\"} 1")
             != std::string::npos);
  BOOST_TEST(text.find("mink_command_duration_seconds_count{type=\"deposit\"} 3")
             != std::string::npos);
  // A second registration with the same definitions finds the families.
  BOOST_TEST(static_cast<bool>(command_metrics(reg)));
}

BOOST_AUTO_TEST_CASE(metrics_labels_stay_bounded_whatever_types_come) {
  // Made-up command types (a caller's, passed on unchecked here) share one
  // label instead of making a time series each.
  auto reg = std::make_shared<prometheus::Registry>();
  command_metrics_config cfg;
  cfg.max_types = 3;
  auto m = command_metrics(reg, cfg);
  BOOST_REQUIRE(m);
  command_pipeline p;
  p.use(*m).use(validation());
  for (int i = 0; i < 1000; ++i) {
    auto cmd = valid_command();
    cmd.type = "made-up-" + std::to_string(i);
    harness h;
    h.run(p, cmd);
  }
  // 3 by name, one "other"; each with one outcome.
  BOOST_TEST(series_of(text_of(*reg), "mink_commands_total{") == 4u);
  auto text = text_of(*reg);
  BOOST_TEST(text.find("mink_commands_total{outcome=\"ok\",type=\"other\"} 997")
             != std::string::npos);
  // With the known types given, every other type is "other" at once.
  auto reg2 = std::make_shared<prometheus::Registry>();
  command_metrics_config known;
  known.known_types = {"deposit"};
  auto m2 = command_metrics(reg2, known);
  BOOST_REQUIRE(m2);
  command_pipeline p2;
  p2.use(*m2);
  for (auto type : {"deposit", "nope", "also-nope"}) {
    auto cmd = valid_command();
    cmd.type = type;
    harness h;
    h.run(p2, cmd);
  }
  auto text2 = text_of(*reg2);
  BOOST_TEST(text2.find("mink_command_duration_seconds_count{type=\"other\"} 2")
             != std::string::npos);
  BOOST_TEST(text2.find("nope") == std::string::npos);
}


BOOST_AUTO_TEST_CASE(metrics_refuse_a_name_taken_by_another_kind) {
  auto reg = std::make_shared<prometheus::Registry>();
  prometheus::BuildGauge().Name("mink_commands_total").Help("x").Register(*reg);
  auto m = command_metrics(reg);
  BOOST_REQUIRE(!m);
  BOOST_TEST((code_of(m.error()) == errc::invalid_argument));
}

BOOST_AUTO_TEST_CASE(the_middleware_keeps_its_registry) {
  // The pipeline lives in the runtime and may outlive the service's
  // metrics object: its families must not go with it.
  auto reg = std::make_shared<prometheus::Registry>();
  std::weak_ptr<prometheus::Registry> weak = reg;
  auto m = command_metrics(reg);
  BOOST_REQUIRE(m);
  reg.reset();
  BOOST_TEST(!weak.expired());
  command_pipeline p;
  p.use(*m);
  harness h;
  h.run(p, valid_command());
  BOOST_TEST(h.answered);
  auto alive = weak.lock();
  BOOST_REQUIRE(alive);
  BOOST_TEST(text_of(*alive).find("mink_commands_total{outcome=\"ok\","
                                  "type=\"deposit\"} 1")
             != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(service_metrics_tests)

BOOST_AUTO_TEST_CASE(a_scrape_reads_the_counters_of_its_sources) {
  auto m = std::make_shared<service_metrics>();
  metric_sources src;
  src.persistence = std::make_shared<persistence_stats>();
  src.persistence->events = 12;
  src.persistence->appends = 5;
  src.persistence->batches = 2;
  src.persistence->conflicts = 3;
  src.aggregates = std::make_shared<aggregate_stats>();
  src.aggregates->retries = 4;
  src.snapshots = std::make_shared<snapshot_stats>();
  src.snapshots->written = 6;
  auto accounts = std::make_shared<router_stats>();
  accounts->alive = 7;
  src.routers.emplace("account", accounts);
  accounts->spawned = 9;
  src.counters.push_back(
    counter_of("svc_steps_total", "Steps.", accounts, &router_stats::spawned));
  m->set_sources(std::move(src));
  auto observe = service_metrics::batch_observer(m);
  observe(3, 8, 0.002);
  m->observe_request("POST /accounts", 201, 0.01);
  m->observe_request("POST /accounts", 201, 0.02);
  auto text = m->render();
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(has(text, "mink_events_appended_total 12"));
  BOOST_TEST(has(text, "mink_append_conflicts_total 3"));
  BOOST_TEST(has(text, "mink_command_retries_total 4"));
  BOOST_TEST(has(text, "mink_snapshots_written_total 6"));
  BOOST_TEST(has(text, "mink_live_aggregates{type=\"account\"} 7"));
  BOOST_TEST(has(text, "svc_steps_total 9"));
  BOOST_TEST(has(text, "mink_append_batch_events_count 1"));
  BOOST_TEST(has(text, "mink_append_batch_events_sum 8"));
  BOOST_TEST(has(text, "mink_http_requests_total{route=\"POST /accounts\","
                       "status=\"201\"} 2"));
  // Counters read at a scrape move with their sources.
  accounts->alive = 1;
  BOOST_TEST(has(m->render(), "mink_live_aggregates{type=\"account\"} 1"));
}

BOOST_AUTO_TEST_SUITE_END()
