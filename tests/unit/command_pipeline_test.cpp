// The command pipeline and its built-in middleware, without actors.

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "mink/command/middleware/correlation.hpp"
#include "mink/command/middleware/recovery.hpp"
#include "mink/command/middleware/validation.hpp"
#include "mink/command/pipeline.hpp"
#include "mink/errc.hpp"
#include "mink/uuid.hpp"
#include "../support/command_harness.hpp"

using namespace mink;

using mink::test_support::harness;
using mink::test_support::valid_command;

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

BOOST_AUTO_TEST_SUITE_END()
