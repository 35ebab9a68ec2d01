// Cluster leases on PostgreSQL (mink/adapters/postgres/pg_lease_store.hpp)
// and fenced appends: slices claimed, taken over from a node whose lease
// ended, handed back after it rejoins; an append fenced with a stale epoch
// refused alone; a claim ordered with an append in flight.

#include <boost/test/unit_test.hpp>

#include <future>
#include <map>
#include <string>
#include <vector>
#include <unistd.h>

#include <libpq-fe.h>

#include "mink/adapters/postgres/pg_lease_store.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/cluster/slices.hpp"
#include "mink/errc.hpp"
#include "../support/eventually.hpp"
#include "../support/pg_test_env.hpp"

using namespace mink;
using namespace mink::cluster;
using namespace mink::test_support;
using namespace std::chrono_literals;

namespace {

constexpr int32_t slices = 64;

struct lease_fixture {
  std::string schema = "leases_" + std::to_string(getpid());
  postgres_config cfg = pg_test_config(schema, 2);
  std::unique_ptr<pg::lease_store> leases = open_leases();

  ~lease_fixture() { pg_test_drop_schema(schema); }

  std::unique_ptr<pg::lease_store> open_leases() {
    auto x = pg::lease_store::open(cfg);
    BOOST_REQUIRE_MESSAGE(x, (x ? "" : to_text(x.error())));
    return std::move(*x);
  }

  cluster_view beat(const std::string& id, std::chrono::milliseconds ttl = 5s) {
    auto v = leases->heartbeat({id, id + ":4000", ttl}, slices);
    BOOST_REQUIRE_MESSAGE(v, (v ? "" : to_text(v.error())));
    return std::move(*v);
  }

  /// One planning round of `id`: heartbeat, release, claim.
  void step(const std::string& id, std::chrono::milliseconds ttl = 5s) {
    auto plan = plan_leases(beat(id, ttl), id);
    std::vector<int32_t> give;
    for (auto& x : plan.release)
      give.push_back(x.slice);
    BOOST_REQUIRE(leases->release(id, give));
    BOOST_REQUIRE(leases->claim(id, plan.claim));
  }

  /// The table as it is now.
  cluster_view now() {
    auto v = leases->view();
    BOOST_REQUIRE_MESSAGE(v, (v ? "" : to_text(v.error())));
    return std::move(*v);
  }

  std::map<std::string, int> owned() {
    std::map<std::string, int> n;
    for (auto& x : now().slices)
      ++n[x.owner];
    return n;
  }

  slice_lease lease_of(int32_t slice) {
    return now().slices.at(static_cast<size_t>(slice));
  }
};

stream_append fenced(const std::string& stream, int32_t slice, int64_t epoch) {
  stream_append x;
  x.stream_id = stream;
  x.expected = expected_version::any();
  x.events = {event_data{"", "noted", 1, "{}", {}}};
  x.fence = slice_fence{slice, epoch};
  return x;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(pg_cluster_leases, lease_fixture)

BOOST_AUTO_TEST_CASE(the_first_heartbeat_writes_the_slices_and_fixes_their_count) {
  auto v = beat("node-a");
  BOOST_TEST(v.slices.size() == size_t{slices});
  BOOST_TEST(v.members.size() == 1u);
  BOOST_TEST(v.members[0].live);
  BOOST_TEST(v.members[0].address == "node-a:4000");
  BOOST_TEST(v.slices[5].owner.empty());
  auto other = leases->heartbeat({"node-b", "b:1", 5s}, 128);
  BOOST_REQUIRE(!other);
  BOOST_TEST((code_of(other.error()) == errc::invalid_argument));
  BOOST_TEST(message_of(other.error()).find("64 slices") != std::string::npos);
  // Refused input names the problem and changes nothing.
  for (auto bad : {node_announce{"a b", "x:1", 5s},
                   node_announce{"node-c", "", 5s},
                   node_announce{"node-c", "x\n:1", 5s},
                   node_announce{"node-c", "x:1", 10ms}}) {
    auto res = leases->heartbeat(bad, slices);
    BOOST_REQUIRE(!res);
    BOOST_TEST((code_of(res.error()) == errc::invalid_argument));
  }
  BOOST_TEST(now().members.size() == 1u);
}

BOOST_AUTO_TEST_CASE(three_nodes_share_the_slices_and_take_over_a_dead_one) {
  for (auto id : {"node-a", "node-b", "node-c"})
    beat(id);
  // c's lease is short: it stops renewing below, as a killed node would.
  step("node-c", 2s);
  step("node-a");
  step("node-b");
  auto shares = owned();
  BOOST_TEST(shares.count("") == 0u);
  for (auto id : {"node-a", "node-b", "node-c"})
    BOOST_TEST(shares[id] > 0);
  auto c_slice = -1;
  auto table = now();
  for (auto& x : table.slices)
    if (x.owner == "node-c") {
      c_slice = x.slice;
      BOOST_TEST(x.epoch == 1);
    }
  BOOST_REQUIRE(c_slice >= 0);
  // While c is live, nobody may take its slices.
  auto early = leases->claim("node-a", {lease_of(c_slice)});
  BOOST_REQUIRE(early);
  BOOST_TEST(early->empty());
  BOOST_REQUIRE(eventually([&] { return !now().is_live("node-c"); }));
  step("node-a");
  step("node-b");
  shares = owned();
  BOOST_TEST(shares.count("node-c") == 0u);
  BOOST_TEST(shares["node-a"] + shares["node-b"] == slices);
  BOOST_TEST(lease_of(c_slice).epoch == 2);
  // c comes back: a and b hand its share back, which it then claims.
  step("node-c");
  BOOST_TEST(owned().count("node-c") == 0u);
  step("node-a");
  step("node-b");
  step("node-c");
  shares = owned();
  BOOST_TEST(shares.count("") == 0u);
  BOOST_TEST(shares["node-c"] > 0);
  auto back = lease_of(c_slice);
  BOOST_TEST(back.owner == "node-c");
  BOOST_TEST(back.epoch == 4); // claimed, taken over, released, claimed
  // Leaving frees its slices at once, and removes the node.
  BOOST_REQUIRE(!leases->leave("node-c"));
  BOOST_TEST(lease_of(c_slice).owner.empty());
  BOOST_TEST(!now().is_live("node-c"));
}

BOOST_AUTO_TEST_CASE(a_claim_compares_the_epoch_it_saw) {
  beat("node-a");
  auto seen = lease_of(3);
  auto first = leases->claim("node-a", {seen});
  BOOST_REQUIRE(first);
  BOOST_REQUIRE(first->size() == 1u);
  BOOST_TEST(first->front().epoch == seen.epoch + 1);
  BOOST_REQUIRE(leases->release("node-a", {3}));
  // The lease moved on since: a claim with the old epoch wins nothing.
  auto stale = leases->claim("node-a", {seen});
  BOOST_REQUIRE(stale);
  BOOST_TEST(stale->empty());
  // Nor does a node that has no live lease of its own.
  auto stranger = leases->claim("node-x", {lease_of(3)});
  BOOST_REQUIRE(stranger);
  BOOST_TEST(stranger->empty());
}

BOOST_AUTO_TEST_CASE(an_append_fenced_with_a_stale_epoch_is_refused_alone) {
  beat("node-a");
  auto store = postgres_event_store::open(cfg);
  BOOST_REQUIRE(store);
  auto won = leases->claim("node-a", {lease_of(1), lease_of(2)});
  BOOST_REQUIRE(won);
  BOOST_REQUIRE(won->size() == 2u);
  auto e1 = lease_of(1).epoch;
  auto e2 = lease_of(2).epoch;
  // Slice 2 moves on (released); slice 1 stays.
  BOOST_REQUIRE(leases->release("node-a", {2}));
  std::vector<stream_append> batch;
  batch.push_back(fenced("order-1", 1, e1));
  batch.push_back(fenced("order-2", 2, e2));
  batch.push_back(fenced("order-3", 9, 5)); // never claimed: epoch 0
  auto plain = fenced("order-4", 0, 0);
  plain.fence = slice_fence{};
  batch.push_back(plain);
  auto res = (*store)->append(std::move(batch));
  BOOST_REQUIRE(res.size() == 4u);
  BOOST_REQUIRE(static_cast<bool>(res[0]));
  BOOST_TEST(res[0]->positions == std::vector<int64_t>{1});
  for (size_t i : {1, 2}) {
    BOOST_REQUIRE(!res[i]);
    BOOST_TEST((code_of(res[i].error()) == errc::not_owner));
  }
  BOOST_TEST(message_of(res[1].error()).find("slice 2") != std::string::npos);
  BOOST_REQUIRE(static_cast<bool>(res[3]));
  // Positions stay dense: the refused appends used none.
  BOOST_TEST(res[3]->positions == std::vector<int64_t>{2});
  BOOST_TEST(*(*store)->last_position() == 2);
  BOOST_TEST(!(*store)->stream_info("order-2")->exists);
}

BOOST_AUTO_TEST_CASE(a_claim_waits_for_an_append_in_flight_and_fences_it_after) {
  beat("node-a");
  beat("node-b", 1s);
  auto store = postgres_event_store::open(cfg);
  BOOST_REQUIRE(store);
  auto mine = leases->claim("node-b", {lease_of(7)});
  BOOST_REQUIRE(mine);
  BOOST_REQUIRE(mine->size() == 1u);
  auto b_epoch = mine->front().epoch;
  BOOST_REQUIRE(eventually([&] { return !now().is_live("node-b"); }));
  // An append of node-b in flight: its transaction holds the position
  // lock (and has read its fence) when node-a claims the slice.
  auto conn = PQconnectdb(cfg.conninfo.c_str());
  BOOST_REQUIRE(PQstatus(conn) == CONNECTION_OK);
  auto run = [&](const char* sql) {
    auto r = PQexec(conn, sql);
    auto ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
  };
  BOOST_REQUIRE(run("BEGIN"));
  BOOST_REQUIRE(run(("UPDATE " + schema + ".positions SET last = last"
                     " WHERE id = 1").c_str()));
  auto seen = lease_of(7);
  auto taken = std::async(std::launch::async, [&] {
    return leases->claim("node-a", {seen});
  });
  // The claim waits for the lock (seen by the server), not for a time.
  BOOST_REQUIRE(eventually([&] {
    return pg_test_query("SELECT count(*) FROM pg_stat_activity WHERE "
                         "wait_event_type = 'Lock' AND query LIKE '%"
                         + schema + "%positions%FOR UPDATE%'")
           == "1";
  }));
  BOOST_TEST((taken.wait_for(0s) == std::future_status::timeout));
  BOOST_REQUIRE(run("COMMIT"));
  auto won = taken.get();
  BOOST_REQUIRE(won);
  BOOST_REQUIRE(won->size() == 1u);
  BOOST_TEST(won->front().epoch == b_epoch + 1);
  PQfinish(conn);
  // From then on node-b's epoch is refused, node-a's accepted.
  auto stale = (*store)->append({fenced("order-7", 7, b_epoch)});
  BOOST_REQUIRE(!stale[0]);
  BOOST_TEST((code_of(stale[0].error()) == errc::not_owner));
  auto fresh = (*store)->append({fenced("order-7", 7, b_epoch + 1)});
  BOOST_TEST(static_cast<bool>(fresh[0]));
}

BOOST_AUTO_TEST_SUITE_END()
