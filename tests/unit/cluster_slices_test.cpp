// Slices and their planned owners (mink/cluster/slices.hpp,
// cluster_view.hpp), and fenced appends on a store without leases. The
// lease table itself: tests/integration/pg_cluster_lease_test.cpp.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "mink/adapters/memory/memory_event_store.hpp"
#include "mink/cluster/cluster_view.hpp"
#include "mink/cluster/ownership.hpp"
#include "mink/cluster/slices.hpp"
#include "mink/errc.hpp"

using namespace mink;
using namespace mink::cluster;

namespace {

/// Slices per node when `nodes` share `count` slices by preference.
std::map<std::string, int> shares(const std::vector<std::string>& nodes,
                                  int32_t count) {
  std::map<std::string, int> result;
  for (int32_t s = 0; s < count; ++s)
    ++result[preferred_owner(s, nodes)];
  return result;
}

/// A view of `count` slices owned as `owners` says (empty: free), with
/// the live members `live` and the dead ones `dead`.
cluster_view make_view(const std::vector<std::string>& owners,
                       const std::vector<std::string>& live,
                       const std::vector<std::string>& dead = {}) {
  cluster_view v;
  for (auto& id : live)
    v.members.push_back({id, id + ":1", true, 1000});
  for (auto& id : dead)
    v.members.push_back({id, id + ":1", false, -1000});
  for (size_t s = 0; s < owners.size(); ++s)
    v.slices.push_back({static_cast<int32_t>(s), owners[s], 7});
  return v;
}

} // namespace

BOOST_AUTO_TEST_SUITE(cluster_slices)

BOOST_AUTO_TEST_CASE(streams_hash_to_every_slice_about_evenly) {
  std::vector<int> hits(default_slice_count, 0);
  const int streams = 200000;
  for (int i = 0; i < streams; ++i) {
    auto s = slice_of("account-" + std::to_string(i), default_slice_count);
    BOOST_REQUIRE(s >= 0);
    BOOST_REQUIRE(s < default_slice_count);
    ++hits[static_cast<size_t>(s)];
  }
  // About 195 each: no slice gets fewer than half or more than twice that.
  auto [least, most] = std::minmax_element(hits.begin(), hits.end());
  BOOST_TEST(*least > streams / default_slice_count / 2);
  BOOST_TEST(*most < streams / default_slice_count * 2);
  // Pinned: a change would put a stream in two slices while old and new
  // nodes run side by side.
  BOOST_TEST(slice_of("account-42", 1024) == 611);
  BOOST_TEST(slice_of("order-1", 1024) == 467);
  BOOST_TEST(slice_of("bank-acc7", 1024) == 478);
  BOOST_TEST(preferred_owner(5, {"node-a", "node-b", "node-c"}) == "node-c");
  BOOST_TEST(preferred_owner(700, {"node-a", "node-b", "node-c"}) == "node-b");
  BOOST_TEST(slice_of("x", 1) == 0);
  BOOST_TEST(slice_of("x", 0) == 0);
}

BOOST_AUTO_TEST_CASE(nodes_are_preferred_for_about_equal_shares) {
  std::vector<std::string> nodes{"node-a", "node-b", "node-c"};
  auto three = shares(nodes, default_slice_count);
  BOOST_TEST(three.size() == 3u);
  for (auto& [node, n] : three) {
    BOOST_TEST_INFO(node << " prefers " << n);
    BOOST_TEST(n > default_slice_count / 3 * 8 / 10);
    BOOST_TEST(n < default_slice_count / 3 * 12 / 10);
  }
  BOOST_TEST(preferred_owner(5, {}).empty());
  BOOST_TEST(preferred_owner(5, {"only"}) == "only");
}

BOOST_AUTO_TEST_CASE(a_join_or_a_leave_moves_only_the_slices_it_must) {
  std::vector<std::string> two{"node-a", "node-b"};
  std::vector<std::string> three{"node-a", "node-b", "node-c"};
  int moved_to_c = 0;
  for (int32_t s = 0; s < default_slice_count; ++s) {
    auto before = preferred_owner(s, two);
    auto after = preferred_owner(s, three);
    // Joining, node-c takes slices; no slice moves between a and b.
    if (after != before) {
      BOOST_TEST(after == "node-c");
      ++moved_to_c;
    }
  }
  BOOST_TEST(moved_to_c > default_slice_count / 4);
  BOOST_TEST(moved_to_c < default_slice_count / 2);
}

BOOST_AUTO_TEST_CASE(a_plan_claims_free_and_dead_slices_and_releases_others) {
  std::vector<std::string> live{"node-a", "node-b"};
  const size_t count = 64;
  // node-a owns everything; node-b just joined; node-z died with nothing.
  auto all_a = make_view(std::vector<std::string>(count, "node-a"), live,
                         {"node-z"});
  auto for_b = plan_leases(all_a, "node-b");
  // b claims nothing a holds while a is live; a releases b's share.
  BOOST_TEST(for_b.claim.empty());
  auto for_a = plan_leases(all_a, "node-a");
  BOOST_TEST(for_a.claim.empty());
  for (auto& x : for_a.release)
    BOOST_TEST(preferred_owner(x.slice, live) == "node-b");
  BOOST_TEST(for_a.release.size() == shares(live, count)["node-b"]);
  // Free slices and those of a dead node go to their preferred live node,
  // with the epoch seen (the claim compares it).
  std::vector<std::string> owners(count);
  for (size_t s = 0; s < count; ++s)
    owners[s] = s % 2 == 0 ? "" : "node-z";
  auto loose = make_view(owners, live, {"node-z"});
  auto claimed_a = plan_leases(loose, "node-a").claim;
  auto claimed_b = plan_leases(loose, "node-b").claim;
  BOOST_TEST(claimed_a.size() + claimed_b.size() == count);
  for (auto& x : claimed_a) {
    BOOST_TEST(preferred_owner(x.slice, live) == "node-a");
    BOOST_TEST(x.epoch == 7);
  }
  // A node not yet among the live members plans as if it were.
  auto newcomer = plan_leases(loose, "node-c");
  std::vector<std::string> with_c{"node-a", "node-b", "node-c"};
  BOOST_TEST(!newcomer.claim.empty());
  for (auto& x : newcomer.claim)
    BOOST_TEST(preferred_owner(x.slice, with_c) == "node-c");
}

BOOST_AUTO_TEST_CASE(ownership_routes_fences_and_hands_over) {
  const int32_t count = 8;
  ownership own{"node-a", count};
  // Before any table nothing is local.
  auto r0 = own.route_of("order-1");
  BOOST_TEST(!r0.local);
  BOOST_TEST(r0.owner.empty());
  BOOST_TEST((code_of(own.fence_for("order-1").error()) == errc::not_owner));
  std::vector<std::string> owners(count, "node-b");
  auto mine = slice_of("order-1", count);
  owners[static_cast<size_t>(mine)] = "node-a";
  auto later = std::chrono::steady_clock::now() + std::chrono::hours{1};
  own.update(make_view(owners, {"node-a", "node-b"}), later);
  auto r = own.route_of("order-1");
  BOOST_TEST(r.local);
  BOOST_TEST(r.slice == mine);
  BOOST_TEST(r.epoch == 7);
  auto fence = own.fence_for("order-1");
  BOOST_REQUIRE(static_cast<bool>(fence));
  BOOST_TEST(fence->slice == mine);
  BOOST_TEST(fence->epoch == 7);
  BOOST_TEST(own.owned() == std::vector<int32_t>{mine});
  // Another node's slice: its owner and address, never a fence.
  std::string other = "order-2";
  for (int i = 3; slice_of(other, count) == mine; ++i)
    other = "order-" + std::to_string(i);
  auto theirs = own.route_of(other);
  BOOST_TEST(!theirs.local);
  BOOST_TEST(theirs.owner == "node-b");
  BOOST_TEST(theirs.address == "node-b:1");
  auto refused = own.fence_for(other);
  BOOST_REQUIRE(!refused);
  BOOST_TEST(message_of(refused.error()).find("node-b does")
             != std::string::npos);
  // Handing over: no longer local, though still owned in the table.
  own.hand_over({mine});
  BOOST_TEST(!own.route_of("order-1").local);
  BOOST_TEST(message_of(own.fence_for("order-1").error()).find("handing it over")
             != std::string::npos);
  BOOST_TEST(own.owned().empty());
  // The handover called off (the other node went): local again.
  own.hand_over({});
  BOOST_TEST(own.route_of("order-1").local);
  auto x = own.stats();
  BOOST_TEST(x.owned == 1u);
  BOOST_TEST(x.members == 2u);
  BOOST_TEST(x.members_live == 2u);
  BOOST_TEST(x.gained == 1u);
  BOOST_TEST(x.updated);
  // A new epoch in the table is a loss and a gain; dropping all, a loss.
  auto moved = make_view(owners, {"node-a", "node-b"});
  moved.slices[static_cast<size_t>(mine)].epoch = 9;
  own.update(moved, later);
  BOOST_TEST(own.fence_for("order-1")->epoch == 9);
  // Past the lease the table's heartbeat renewed, nothing is local.
  own.update(moved, std::chrono::steady_clock::now());
  BOOST_TEST(!own.route_of("order-1").local);
  BOOST_TEST(own.owned().empty());
  own.update(moved, later);
  own.drop_all();
  BOOST_TEST(!own.route_of("order-1").local);
  BOOST_TEST(own.stats().lost == 2u);
  BOOST_TEST(own.stats().gained == 2u);
}

BOOST_AUTO_TEST_CASE(a_restarted_node_claims_its_previous_runs_slices) {
  // node-a/run1 died owning everything; node-a/run2 is the same node's
  // new run: it claims them all (a new epoch fences run1 off), and run1,
  // should it wake up, claims nothing that run2 holds.
  auto run1 = member_id("node-a", "run1");
  auto run2 = member_id("node-a", "run2");
  BOOST_TEST(node_of(run2) == "node-a");
  auto v = make_view(std::vector<std::string>(8, run1), {run2}, {run1});
  BOOST_TEST(plan_leases(v, run2).claim.size() == 8u);
  auto woke = make_view(std::vector<std::string>(8, run2), {run1, run2});
  auto p = plan_leases(woke, run1);
  BOOST_TEST(p.claim.empty());
  BOOST_TEST(p.release.empty());
  // Preference goes by node id: restarted, node-a gets exactly the share
  // of slices its first run had beside node-b.
  auto b = member_id("node-b", "x");
  auto free_table = make_view(std::vector<std::string>(64, ""), {run1, b});
  auto again = make_view(std::vector<std::string>(64, ""), {run2, b});
  std::vector<int32_t> first_share;
  std::vector<int32_t> second_share;
  for (auto& x : plan_leases(free_table, run1).claim)
    first_share.push_back(x.slice);
  for (auto& x : plan_leases(again, run2).claim)
    second_share.push_back(x.slice);
  BOOST_TEST(!first_share.empty());
  BOOST_TEST(first_share == second_share);
  BOOST_TEST(check_member_id(run1).empty());
  BOOST_TEST(check_member_id("node-a").empty());
  BOOST_TEST(!check_member_id("node-a/").empty());
  BOOST_TEST(!check_member_id("node-a/x y").empty());
  BOOST_TEST(!check_member_id("node a/x").empty());
}

BOOST_AUTO_TEST_CASE(node_ids_are_checked) {
  BOOST_TEST(check_node_id("node-1.eu_west:2").empty());
  for (std::string bad : {std::string{}, std::string(101, 'a'),
                          std::string{"a b"}, std::string{"a/b"},
                          std::string{"n\xc3\xa9"}, std::string{"a\nb"}})
    BOOST_TEST(!check_node_id(bad).empty());
}

BOOST_AUTO_TEST_CASE(a_store_without_leases_refuses_fenced_appends_alone) {
  memory_event_store store;
  std::vector<stream_append> batch(3);
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].stream_id = "order-" + std::to_string(i);
    batch[i].expected = expected_version::no_stream();
    batch[i].events = {event_data{"", "created", 1, "{}", {}}};
  }
  batch[1].fence = slice_fence{3, 1};
  auto res = store.append(std::move(batch));
  BOOST_REQUIRE(res.size() == 3u);
  BOOST_TEST(static_cast<bool>(res[0]));
  BOOST_REQUIRE(!res[1]);
  BOOST_TEST((code_of(res[1].error()) == errc::invalid_argument));
  BOOST_TEST(message_of(res[1].error()).find("PostgreSQL")
             != std::string::npos);
  BOOST_REQUIRE(static_cast<bool>(res[2]));
  BOOST_TEST(res[2]->positions == std::vector<int64_t>{2});
  // A fence without an epoch is malformed on any store.
  stream_append bad;
  bad.stream_id = "order-9";
  bad.events = {event_data{"", "created", 1, "{}", {}}};
  bad.fence = slice_fence{3, 0};
  auto refused = event_store::prepare_append(std::move(bad));
  BOOST_REQUIRE(!refused);
  BOOST_TEST((code_of(refused.error()) == errc::invalid_argument));
}

BOOST_AUTO_TEST_SUITE_END()
