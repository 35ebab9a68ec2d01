// The command pipeline and its built-in middleware, without actors.

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "mink/command/middleware/correlation.hpp"
#include "mink/command/middleware/metrics.hpp"
#include "mink/metrics/text_format.hpp"
#include "mink/command/middleware/recovery.hpp"
#include "mink/command/middleware/validation.hpp"
#include "mink/command/pipeline.hpp"
#include "mink/errc.hpp"
#include "mink/uuid.hpp"

using namespace mink;

namespace {

command_envelope valid_command() {
  command_envelope cmd;
  cmd.type = "deposit";
  cmd.aggregate_type = "account";
  cmd.aggregate_id = "42";
  cmd.command_id = make_uuid();
  cmd.payload = 7;
  return cmd;
}

/// Runs `cmd` through `p` with a terminal that records what reached it and
/// answers version 1.
struct harness {
  std::vector<command_envelope> reached;
  command_reply answer{command_result{}};
  bool answered = false;

  void run(const command_pipeline& p, command_envelope cmd) {
    p.run(
      std::move(cmd),
      [this](command_reply r) {
        BOOST_TEST(!answered); // exactly once
        answered = true;
        answer = std::move(r);
      },
      [this](command_envelope c, reply_fn reply) {
        reached.push_back(std::move(c));
        reply(command_result{1, 9});
      });
  }

  errc code() const { return answer ? errc::none : code_of(answer.error()); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(command_pipeline_tests)

BOOST_AUTO_TEST_CASE(pieces_run_in_order_around_the_terminal) {
  std::vector<std::string> trace;
  command_pipeline p;
  for (auto name : {"outer", "inner"})
    p.use([&trace, name = std::string{name}](command_envelope cmd,
                                             reply_fn reply,
                                             const next_fn& next) {
      trace.push_back(name + " in");
      next(std::move(cmd), [&trace, name, reply](command_reply r) {
        trace.push_back(name + " out");
        reply(std::move(r));
      });
    });
  harness h;
  h.run(p, valid_command());
  std::vector<std::string> expected{"outer in", "inner in", "inner out",
                                    "outer out"};
  BOOST_TEST(trace == expected, boost::test_tools::per_element());
  BOOST_TEST(h.answered);
  BOOST_TEST(h.answer->position == 9);
}

BOOST_AUTO_TEST_CASE(validation_rejects_malformed_envelopes) {
  command_pipeline p;
  p.use(validation());
  auto cases = std::vector<std::pair<std::string, command_envelope>>{};
  auto c = valid_command();
  c.type.clear();
  cases.emplace_back("empty type", c);
  c = valid_command();
  c.aggregate_id.clear();
  cases.emplace_back("empty id", c);
  c = valid_command();
  c.aggregate_id = "a\nb";
  cases.emplace_back("control character", c);
  c = valid_command();
  c.command_id = "not-a-uuid";
  cases.emplace_back("bad command id", c);
  c = valid_command();
  c.payload.reset();
  cases.emplace_back("no payload", c);
  for (auto& [what, cmd] : cases) {
    harness h;
    h.run(p, cmd);
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(h.answered);
      BOOST_TEST((h.code() == errc::invalid_argument));
      BOOST_TEST(h.reached.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(validation_fills_in_a_missing_command_id) {
  command_pipeline p;
  p.use(validation());
  auto cmd = valid_command();
  cmd.command_id.clear();
  harness h;
  h.run(p, cmd);
  BOOST_REQUIRE(h.reached.size() == 1u);
  BOOST_TEST(is_uuid(h.reached[0].command_id));
}

BOOST_AUTO_TEST_CASE(validation_runs_the_type_validator) {
  command_pipeline p;
  p.use(validation({{"deposit", [](const command_envelope& c) -> caf::error {
                       if (std::any_cast<int>(c.payload) <= 0)
                         return make_error(errc::invalid_argument,
                                           "amount must be positive");
                       return {};
                     }}}));
  auto cmd = valid_command();
  cmd.payload = -1;
  harness h;
  h.run(p, cmd);
  BOOST_TEST((h.code() == errc::invalid_argument));
  BOOST_TEST(to_text(h.answer.error()).find("positive") != std::string::npos);
  harness ok;
  ok.run(p, valid_command());
  BOOST_TEST(ok.reached.size() == 1u);
}

BOOST_AUTO_TEST_CASE(correlation_starts_a_chain_or_keeps_it) {
  command_pipeline p;
  p.use(correlation());
  auto fresh = valid_command();
  harness h;
  h.run(p, fresh);
  BOOST_REQUIRE(h.reached.size() == 1u);
  BOOST_TEST(h.reached[0].meta.correlation_id == fresh.command_id);
  auto chained = valid_command();
  chained.meta.correlation_id = "request-17";
  harness h2;
  h2.run(p, chained);
  BOOST_TEST(h2.reached[0].meta.correlation_id == "request-17");
}

BOOST_AUTO_TEST_CASE(recovery_turns_exceptions_into_one_error_reply) {
  command_pipeline p;
  p.use(exception_recovery());
  p.use([](command_envelope, reply_fn, const next_fn&) {
    throw std::runtime_error("validator blew up");
  });
  harness h;
  h.run(p, valid_command());
  BOOST_TEST(h.answered);
  BOOST_TEST(!h.answer);
  BOOST_TEST(to_text(h.answer.error()).find("blew up") != std::string::npos);
  // A piece that answered and then threw is answered once only.
  command_pipeline q;
  q.use(exception_recovery());
  q.use([](command_envelope, reply_fn reply, const next_fn&) {
    reply(command_result{3, 4});
    throw std::runtime_error("late");
  });
  harness h2;
  h2.run(q, valid_command());
  BOOST_TEST(h2.answered);
  BOOST_TEST(h2.answer->version == 3);
}

BOOST_AUTO_TEST_CASE(metrics_count_outcomes_and_time_commands) {
  metrics::registry reg;
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
  auto text = metrics::to_prometheus_text(reg);
  BOOST_TEST_MESSAGE(text);
  BOOST_TEST(text.find("mink_commands_total{type=\"deposit\",outcome=\"ok\"} 2")
             != std::string::npos);
  BOOST_TEST(text.find("mink_commands_total{type=\"deposit\",outcome="
                       "\"invalid_argument\"} 1")
             != std::string::npos);
  BOOST_TEST(text.find("mink_command_duration_seconds_count{type=\"deposit\"} 3")
             != std::string::npos);
  // A second registration with the same definitions finds the families.
  BOOST_TEST(static_cast<bool>(command_metrics(reg)));
}

BOOST_AUTO_TEST_CASE(metrics_labels_stay_bounded_whatever_types_come) {
  // Made-up command types (a caller's, passed on unchecked here) share one
  // label instead of making a time series each.
  metrics::registry reg;
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
  auto counters = reg.add_counter("mink_commands_total",
                                  "Commands answered, by type and outcome.",
                                  {"type", "outcome"});
  BOOST_REQUIRE(counters);
  BOOST_TEST((*counters)->size() == 4u); // 3 by name, one "other"
  auto text = metrics::to_prometheus_text(reg);
  BOOST_TEST(text.find("mink_commands_total{type=\"other\",outcome=\"ok\"} 997")
             != std::string::npos);
  // With the known types given, every other type is "other" at once.
  metrics::registry reg2;
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
  auto text2 = metrics::to_prometheus_text(reg2);
  BOOST_TEST(text2.find("mink_command_duration_seconds_count{type=\"other\"} 2")
             != std::string::npos);
  BOOST_TEST(text2.find("nope") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
