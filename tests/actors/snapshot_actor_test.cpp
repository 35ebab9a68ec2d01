// Aggregate actors and snapshots: written by policy without delaying
// replies, used on rehydration, ignored (and counted) when unusable.

#include <boost/test/unit_test.hpp>

#include <vector>

#include "actor_fixture.hpp"

using namespace mink;
using namespace mink::testing;

namespace {

using seen_atom = caf::atom_constant<caf::atom("t_seen")>;

/// Stands between the aggregate actors and the snapshot writer: keeps the
/// version of each snapshot sent and passes it on. `seen_atom` answers the
/// versions so far. Linked to the writer, which stops with it.
struct recorder_state {
  std::vector<int64_t> versions;
};

using recorder_actor = snapshot_writer_actor::extend<
  caf::replies_to<seen_atom>::with<std::vector<int64_t>>>;

recorder_actor::behavior_type
snapshot_recorder(recorder_actor::stateful_pointer<recorder_state> self,
                  snapshot_writer_actor writer) {
  self->link_to(writer);
  return {
    [=](snapshot_atom atom, snapshot& snap) {
      self->state.versions.push_back(snap.version);
      self->send(writer, atom, std::move(snap));
    },
    [=](seen_atom) { return self->state.versions; },
  };
}

struct snapshot_fixture : actor_fixture {
  /// Waits (at most `timeout`) until the store's snapshot of `stream` is
  /// at `version`: the writer runs on its own, nobody waits for it on the
  /// command path.
  bool await_snapshot(const std::string& stream, int64_t version,
                      std::chrono::seconds timeout = std::chrono::seconds{30}) {
    return eventually(
      [&] {
        auto snap = snapshots->load(stream);
        return snap && snap->has_value() && (*snap)->version == version;
      },
      timeout);
  }

  snapshot make_snapshot(const std::string& stream, int64_t version,
                         int64_t balance, int32_t schema_version = 1) {
    snapshot snap;
    snap.stream_id = stream;
    snap.version = version;
    snap.state_type = "account";
    snap.schema_version = schema_version;
    snap.data = R"({"status":1,"owner":"S","balance":)"
                + std::to_string(balance) + "}";
    return snap;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(snapshots, snapshot_fixture)

BOOST_AUTO_TEST_CASE(snapshots_follow_the_policy) {
  ctx.snapshots.every_events = 10;
  auto recorder = sys->spawn(snapshot_recorder, ctx.snapshot_writer);
  ctx.snapshot_writer = recorder;
  auto router = make_router();
  BOOST_REQUIRE(call(router, make_command("s1", test_domain::open_account{"S"})));
  for (int i = 1; i <= 24; ++i)
    BOOST_REQUIRE(call(router, make_command("s1", test_domain::deposit{i})));
  // A refused command: its answer leaves the actor after it handled the
  // last deposit, snapshot included, so the recorder holds every snapshot
  // the deposits caused when it answers.
  BOOST_REQUIRE(!call(router, make_command("s1", test_domain::withdraw{1000000})));
  std::vector<int64_t> sent;
  caf::scoped_actor self{*sys};
  self->request(recorder, caf::infinite, seen_atom::value)
    .receive([&](std::vector<int64_t>& xs) { sent = std::move(xs); },
             [&](caf::error& err) { BOOST_FAIL(to_text(err)); });
  // Versions 10 and 20 crossed a multiple of 10; nothing else did.
  BOOST_TEST(sent == (std::vector<int64_t>{10, 20}),
             boost::test_tools::per_element());
  // And the writer stored the latest.
  BOOST_REQUIRE(await_snapshot("account-s1", 20));
  auto snap = snapshots->load("account-s1");
  BOOST_REQUIRE(snap);
  BOOST_REQUIRE(snap->has_value());
  BOOST_TEST((*snap)->data.find("\"balance\":190") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rehydration_starts_from_the_snapshot) {
  auto router = make_router();
  BOOST_REQUIRE(call(router, make_command("s2", test_domain::open_account{"S"})));
  BOOST_REQUIRE(call(router, make_command("s2", test_domain::deposit{5})));
  // A snapshot at version 2 that says 1000: only an actor that used it can
  // believe the balance is 1000 + 7.
  BOOST_REQUIRE(!snapshots->save(make_snapshot("account-s2", 2, 1000)));
  BOOST_REQUIRE(call(router, make_command("s2", test_domain::deposit{7})));
  auto fresh = make_router();
  auto res = call(fresh, make_command("s2", test_domain::withdraw{1007}));
  BOOST_REQUIRE_MESSAGE(res, (res ? "" : to_text(res.error())));
  BOOST_TEST(res->version == 4);
  BOOST_TEST(ctx.snapshot_counters->ignored.load() == 0u);
}

BOOST_AUTO_TEST_CASE(a_snapshot_of_another_version_falls_back_to_replay) {
  auto router = make_router();
  BOOST_REQUIRE(call(router, make_command("s3", test_domain::open_account{"S"})));
  BOOST_REQUIRE(call(router, make_command("s3", test_domain::deposit{5})));
  BOOST_REQUIRE(!snapshots->save(make_snapshot("account-s3", 2, 1000, 2)));
  auto fresh = make_router();
  // Replayed from the events, the balance is 5: 6 is too much.
  auto res = call(fresh, make_command("s3", test_domain::withdraw{6}));
  BOOST_REQUIRE(!res);
  BOOST_TEST(ctx.snapshot_counters->ignored.load() == 1u);
  res = call(fresh, make_command("s3", test_domain::withdraw{5}));
  BOOST_REQUIRE_MESSAGE(res, (res ? "" : to_text(res.error())));
  BOOST_TEST(res->version == 3);
}

BOOST_AUTO_TEST_CASE(an_undecodable_snapshot_falls_back_to_replay) {
  auto router = make_router();
  BOOST_REQUIRE(call(router, make_command("s4", test_domain::open_account{"S"})));
  auto snap = make_snapshot("account-s4", 1, 0);
  snap.data = R"({"status":"nonsense"})";
  BOOST_REQUIRE(!snapshots->save(snap));
  auto fresh = make_router();
  auto res = call(fresh, make_command("s4", test_domain::deposit{1}));
  BOOST_REQUIRE_MESSAGE(res, (res ? "" : to_text(res.error())));
  BOOST_TEST(res->version == 2);
  BOOST_TEST(ctx.snapshot_counters->ignored.load() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
