// Aggregate actors deciding in rounds: commands waiting for a hot aggregate
// are decided in a row and appended together; each gets its own answer; a
// refusal answers its command alone; a conflict decides the rest again; a
// command that expects no stream costs no read.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <memory>
#include <vector>

#include "actor_fixture.hpp"

using namespace mink;
using namespace mink::testing;

namespace {

/// Passes requests on to the real reader and counts the loads.
store_reader_actor::behavior_type
counting_reader(store_reader_actor::pointer self, store_reader_actor real,
                std::shared_ptr<std::atomic<int>> loads) {
  return {
    [=](load_atom, std::string& id, int64_t from, bool snap) {
      loads->fetch_add(1);
      return self->delegate(real, load_atom::value, std::move(id), from, snap);
    },
    [=](find_atom, std::string& id) {
      return self->delegate(real, find_atom::value, std::move(id));
    },
    [=](flush_atom) {
      // the real reader's own wake-up; never sent here
    },
  };
}

struct round_fixture : actor_fixture {
  std::shared_ptr<std::atomic<int>> loads = std::make_shared<std::atomic<int>>(0);
  store_reader_actor real_reader;
  router_actor router;

  round_fixture() {
    real_reader = ctx.reader;
    ctx.reader = sys->spawn(counting_reader, real_reader, loads);
    router = make_router();
    actors.add(real_reader);
  }

  caf::expected<command_result> call(command_envelope env) {
    return actor_fixture::call(router, std::move(env));
  }

  /// Sends `cmds` at once and returns their answers in the order sent.
  std::vector<caf::expected<command_result>>
  burst(std::vector<command_envelope> cmds) {
    caf::scoped_actor self{*sys};
    std::vector<caf::expected<command_result>> out(cmds.size(),
                                                   command_result{});
    std::vector<decltype(self->request(router, caf::infinite,
                                       command_atom::value, cmds[0]))>
      handles;
    for (auto& c : cmds)
      handles.push_back(self->request(router, caf::infinite,
                                      command_atom::value, std::move(c)));
    for (size_t i = 0; i < handles.size(); ++i)
      handles[i].receive([&](command_result& r) { out[i] = r; },
                         [&](caf::error& err) { out[i] = std::move(err); });
    return out;
  }

  static command_envelope open(const std::string& id) {
    auto env = make_command(id, test_domain::open_account{"owner"});
    env.expects_no_stream = true;
    return env;
  }
};

std::string why(const caf::expected<command_result>& x) {
  return x ? "ok" : to_text(x.error());
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(aggregate_rounds, round_fixture)

BOOST_AUTO_TEST_CASE(a_hot_aggregate_appends_waiting_commands_together) {
  BOOST_REQUIRE(call(open("hot")));
  auto batches0 = ctx.writer.stats->batches.load();
  constexpr int n = 500;
  std::vector<command_envelope> cmds;
  for (int i = 0; i < n; ++i)
    cmds.push_back(make_command("hot", test_domain::deposit{1}));
  auto answers = burst(std::move(cmds));
  std::vector<bool> seen(n + 2, false);
  for (auto& a : answers) {
    BOOST_REQUIRE_MESSAGE(a, why(a));
    BOOST_REQUIRE(a->version >= 2 && a->version <= n + 1);
    BOOST_TEST(!seen[a->version]); // each its own version
    seen[a->version] = true;
  }
  auto stored = store->read_stream("account-hot", 1, 10000);
  BOOST_REQUIRE(stored);
  BOOST_TEST(stored->size() == static_cast<size_t>(n + 1));
  // One command at a time would take one transaction per command.
  auto batches = ctx.writer.stats->batches.load() - batches0;
  BOOST_TEST_MESSAGE(n << " commands in " << batches << " transactions");
  BOOST_TEST(batches <= static_cast<uint64_t>(n / 10));
}

BOOST_AUTO_TEST_CASE(a_refusal_in_a_round_answers_that_command_alone) {
  BOOST_REQUIRE(call(open("r")));
  BOOST_REQUIRE(call(make_command("r", test_domain::deposit{10})));
  std::vector<command_envelope> cmds;
  cmds.push_back(make_command("r", test_domain::withdraw{4}));
  cmds.push_back(make_command("r", test_domain::withdraw{100})); // overdraws
  cmds.push_back(make_command("r", test_domain::withdraw{6}));
  cmds.push_back(make_command("r", test_domain::withdraw{1})); // nothing left
  auto a = burst(std::move(cmds));
  BOOST_REQUIRE_MESSAGE(a[0], why(a[0]));
  BOOST_TEST(!a[1]);
  BOOST_REQUIRE_MESSAGE(a[2], why(a[2]));
  BOOST_TEST(!a[3]);
  BOOST_TEST(a[2]->version == a[0]->version + 1);
  auto stored = store->read_stream("account-r", 1, 100);
  BOOST_REQUIRE(stored);
  BOOST_TEST(stored->size() == 4u); // opened, 10 in, 4 out, 6 out
}

BOOST_AUTO_TEST_CASE(a_repeat_within_a_round_gets_the_first_answer) {
  BOOST_REQUIRE(call(open("twice")));
  auto cmd = make_command("twice", test_domain::deposit{5});
  std::vector<command_envelope> cmds{cmd, cmd, cmd};
  auto a = burst(std::move(cmds));
  for (auto& x : a)
    BOOST_REQUIRE_MESSAGE(x, why(x));
  BOOST_TEST(a[1]->version == a[0]->version);
  BOOST_TEST(a[2]->position == a[0]->position);
  auto stored = store->read_stream("account-twice", 1, 100);
  BOOST_REQUIRE(stored);
  BOOST_TEST(stored->size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_conflict_decides_the_round_again_on_the_new_state) {
  BOOST_REQUIRE(call(open("c")));
  BOOST_REQUIRE(call(make_command("c", test_domain::deposit{10})));
  // Another writer withdraws 8 behind the actor's back.
  std::vector<test_domain::account_event> evs{test_domain::money_withdrawn{8}};
  auto data = to_event_data(*registry, evs, metadata{});
  BOOST_REQUIRE(data);
  BOOST_REQUIRE(store->append("account-c", expected_version::exact(2),
                              std::move(*data)));
  auto retries0 = ctx.counters->retries.load();
  std::vector<command_envelope> cmds;
  cmds.push_back(make_command("c", test_domain::withdraw{2})); // fits after the 8
  cmds.push_back(make_command("c", test_domain::withdraw{1})); // no longer fits
  auto a = burst(std::move(cmds));
  BOOST_REQUIRE_MESSAGE(a[0], why(a[0]));
  BOOST_TEST(a[0]->version == 4);
  BOOST_REQUIRE(!a[1]);
  BOOST_TEST(a[1].error().code()
               == static_cast<uint8_t>(test_domain::bank_errc::insufficient_funds),
             test_domain::describe(a[1].error()));
  BOOST_TEST(ctx.counters->retries.load() > retries0);
  auto stored = store->read_stream("account-c", 1, 100);
  BOOST_REQUIRE(stored);
  BOOST_TEST(stored->size() == 4u);
}

BOOST_AUTO_TEST_CASE(a_command_that_expects_no_stream_reads_nothing) {
  auto a = call(open("new"));
  BOOST_REQUIRE_MESSAGE(a, why(a));
  BOOST_TEST(a->version == 1);
  BOOST_TEST(loads->load() == 0);
  // The actor knows its stream now: the next command reads nothing either.
  BOOST_REQUIRE(call(make_command("new", test_domain::deposit{3})));
  BOOST_TEST(loads->load() == 0);
}

BOOST_AUTO_TEST_CASE(a_refusal_between_writes_to_a_new_aggregate_keeps_its_place) {
  // The refusal between the two writes is decided in its place, whether
  // the three share the first (blind) round or not (that depends on when
  // the actor first runs): a blind round whose append committed answers
  // its refusals as decided, and does not decide them again after the
  // deposit.
  std::vector<command_envelope> cmds;
  cmds.push_back(open("fresh"));
  cmds.push_back(make_command("fresh", test_domain::withdraw{100}));
  cmds.push_back(make_command("fresh", test_domain::deposit{200}));
  auto a = burst(std::move(cmds));
  BOOST_REQUIRE_MESSAGE(a[0], why(a[0]));
  BOOST_REQUIRE(!a[1]);
  BOOST_TEST(a[1].error().code()
               == static_cast<uint8_t>(test_domain::bank_errc::insufficient_funds),
             test_domain::describe(a[1].error()));
  BOOST_REQUIRE_MESSAGE(a[2], why(a[2]));
  BOOST_TEST(a[2]->version == 2);
  BOOST_TEST(loads->load() == 0);
}

BOOST_AUTO_TEST_CASE(a_wrong_hint_costs_a_read_and_the_rules_see_the_stream) {
  // Opened by another writer: the hint is wrong.
  std::vector<test_domain::account_event> evs{test_domain::account_opened{"other"}};
  auto data = to_event_data(*registry, evs, metadata{});
  BOOST_REQUIRE(data);
  BOOST_REQUIRE(store->append("account-old", expected_version::no_stream(),
                              std::move(*data)));
  auto a = call(open("old"));
  BOOST_REQUIRE(!a);
  BOOST_TEST(a.error().code()
               == static_cast<uint8_t>(test_domain::bank_errc::account_already_open),
             test_domain::describe(a.error()));
  BOOST_TEST(a.error().category() == test_domain::bank_error_category);
  BOOST_TEST(loads->load() == 1);
  auto stored = store->read_stream("account-old", 1, 100);
  BOOST_REQUIRE(stored);
  BOOST_TEST(stored->size() == 1u);
  // A deposit in the same burst after the wrong hint is decided again too.
  std::vector<command_envelope> cmds;
  cmds.push_back(open("old2"));
  cmds.push_back(make_command("old2", test_domain::deposit{5}));
  auto b = burst(std::move(cmds));
  BOOST_REQUIRE_MESSAGE(b[0], why(b[0]));
  BOOST_REQUIRE_MESSAGE(b[1], why(b[1]));
  BOOST_TEST(b[1]->version == 2);
}

BOOST_AUTO_TEST_SUITE_END()
