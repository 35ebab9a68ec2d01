// Aggregate actors under failure: a throwing evolve, long runs of commands
// answered at once, a command id reused for another aggregate.

#include <boost/test/unit_test.hpp>

#include <stdexcept>

#include "actor_fixture.hpp"

using namespace mink;
using namespace mink::testing;

namespace {

/// A counter whose evolve throws on the value 13 (a bug in user code).
struct fragile_decider {
  struct added {
    int64_t n;
  };
  struct add {
    int64_t n;
  };
  using state_type = int64_t;
  using event_type = std::variant<added>;
  using command_type = add;

  static caf::expected<std::vector<event_type>> decide(const int64_t&,
                                                       const add& cmd) {
    return std::vector<event_type>{added{cmd.n}};
  }

  static void evolve(int64_t& st, const event_type& ev) {
    auto n = std::get<added>(ev).n;
    if (n == 13)
      throw std::runtime_error("unlucky number");
    st += n;
  }
};

struct failure_fixture : actor_fixture {
  failure_fixture() {
    BOOST_REQUIRE(!registry->add<fragile_decider::added>(
      "added", 1,
      [](const fragile_decider::added& x, rapidjson::Document& doc) {
        doc.SetObject();
        doc.AddMember("n", x.n, doc.GetAllocator());
      },
      [](const rapidjson::Value& v) -> caf::expected<fragile_decider::added> {
        if (!v.IsObject() || !v.HasMember("n") || !v["n"].IsInt64())
          return make_error(errc::decode_failed, "added.n");
        return fragile_decider::added{v["n"].GetInt64()};
      }));
  }

  template <class Decider>
  router_actor router(std::string type) {
    return make_router<Decider>({}, std::move(type));
  }

  static command_envelope counter_command(std::string id, int64_t n) {
    command_envelope env;
    env.type = "add";
    env.aggregate_type = "counter";
    env.aggregate_id = std::move(id);
    env.command_id = make_uuid();
    env.payload = fragile_decider::add{n};
    return env;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(failures, failure_fixture)

BOOST_AUTO_TEST_CASE(a_throwing_evolve_is_answered_and_the_type_lives_on) {
  auto r = router<fragile_decider>("counter");
  BOOST_REQUIRE(call(r, counter_command("c1", 1)));
  BOOST_REQUIRE(call(r, counter_command("c2", 1)));
  // The decided events are applied before they are stored: evolve throws,
  // the caller gets an answer and nothing is stored.
  auto bad = call(r, counter_command("c1", 13));
  BOOST_REQUIRE(!bad);
  BOOST_TEST(code_of(bad.error()) == errc::handler_failed);
  auto stored = store->read_stream("counter-c1", 1, 100);
  BOOST_REQUIRE(stored);
  BOOST_TEST(stored->size() == 1u);
  // The other aggregate of the router is unaffected, and c1 goes on.
  auto other = call(r, counter_command("c2", 2));
  BOOST_REQUIRE_MESSAGE(other, (other ? "" : to_text(other.error())));
  BOOST_TEST(other->version == 2);
  auto next = call(r, counter_command("c1", 2));
  BOOST_REQUIRE_MESSAGE(next, (next ? "" : to_text(next.error())));
  BOOST_TEST(next->version == 2);
  // An event its evolve throws on, stored by another writer: c1's next
  // command conflicts, the actor reads the stream again, replaying it
  // throws, and the caller gets an answer.
  mink::metadata meta;
  std::vector<fragile_decider::event_type> poison{fragile_decider::added{13}};
  auto data = to_event_data(*registry, poison, meta);
  BOOST_REQUIRE(data);
  BOOST_REQUIRE(store->append("counter-c1", expected_version::exact(2),
                              std::move(*data)));
  auto again = call(r, counter_command("c1", 1));
  BOOST_REQUIRE(!again);
  BOOST_TEST(code_of(again.error()) == errc::handler_failed);
}

BOOST_AUTO_TEST_CASE(thousands_of_commands_answered_at_once_keep_the_stack_flat) {
  auto r = router<test_domain::account_decider>("account");
  caf::scoped_actor self{*sys};
  // Every withdraw from an unopened account is refused at once.
  constexpr size_t n = 20000;
  for (size_t i = 0; i < n; ++i)
    self->send(r, command_atom::value,
               make_command("empty", test_domain::withdraw{1}));
  size_t refused = 0;
  size_t i = 0;
  self->receive_for(i, n)([&](command_result&) {},
                          [&](caf::error& err) {
                            if (code_of(err) != errc::overloaded)
                              ++refused;
                          });
  BOOST_TEST(refused > 0u);
  BOOST_TEST(*store->last_position() == 0);
}

BOOST_AUTO_TEST_CASE(a_command_id_reused_for_another_aggregate_is_refused) {
  auto r = router<test_domain::account_decider>("account");
  auto open_a = make_command("a", test_domain::open_account{"A"});
  BOOST_REQUIRE(call(r, open_a));
  auto open_b = make_command("b", test_domain::open_account{"B"});
  open_b.command_id = open_a.command_id;
  auto res = call(r, open_b);
  BOOST_REQUIRE(!res);
  BOOST_TEST(code_of(res.error()) == errc::duplicate_command);
  BOOST_TEST(!store->stream_info("account-b")->exists);
}

BOOST_AUTO_TEST_SUITE_END()
