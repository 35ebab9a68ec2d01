// Nodes of a cluster in one process, each a runtime on one PostgreSQL
// schema with `runtime_config::cluster` set: they share the slices, each
// runs only the aggregates of its own; a node that lost a slice without
// knowing it yet has its append refused by the store (fencing); a node
// that leaves, or stops renewing its lease, has its slices taken over.

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../support/error_text.hpp"
#include "../support/pg_cluster_config.hpp"
#include "../support/eventually.hpp"
#include "../support/pg_test_env.hpp"
#include "../support/test_account.hpp"
#include "mink/actors/runtime.hpp"
#include "mink/adapters/postgres/pg_lease_store.hpp"
#include "mink/cluster/projection_lease.hpp"
#include "mink/cluster/slices.hpp"
#include "mink/errc.hpp"

using namespace mink;
using namespace mink::test_support;
using namespace std::chrono_literals;

namespace {

constexpr int32_t slices = 16;

struct cluster_fixture {
  std::string schema = "cluster_" + std::to_string(getpid());
  std::shared_ptr<event_registry> registry
    = std::make_shared<event_registry>();

  cluster_fixture() {
    BOOST_REQUIRE(!test_domain::register_events(*registry));
  }

  ~cluster_fixture() { pg_test_drop_schema(schema); }

  runtime_config config(const std::string& node,
                        std::chrono::milliseconds heartbeat = 200ms) {
    return pg_cluster_config(schema, node, slices, heartbeat);
  }

  std::unique_ptr<runtime> start(runtime_config cfg) {
    auto rt = runtime::start(cfg, registry);
    BOOST_REQUIRE_MESSAGE(rt, why(rt));
    BOOST_REQUIRE((*rt)->add_aggregate<test_domain::account_decider>(
      "account", {"account_command"}));
    BOOST_REQUIRE(!(*rt)->start_commands({}));
    return std::move(*rt);
  }

  static size_t owned(const runtime& rt) {
    return rt.ownership()->owned().size();
  }

  static bool local(const runtime& rt, const std::string& account) {
    return rt.ownership()->route_of("account-" + account).local;
  }
};

/// Counts the events it is handed, under a name of the test's choosing.
struct counting_projection : async_projection {
  counting_projection(std::string n, std::shared_ptr<std::atomic<int>> c)
    : name_(std::move(n)), count_(std::move(c)) {
    // nop
  }

  std::string name() const override {
    return name_;
  }

  caf::error handle(const std::vector<recorded_event>& events) override {
    *count_ += static_cast<int>(events.size());
    return {};
  }

  std::string name_;
  std::shared_ptr<std::atomic<int>> count_;
};

/// The status of projection `name` in `rt`.
std::shared_ptr<const projection_status> status_of(runtime& rt,
                                                   const std::string& name) {
  for (auto& st : rt.projections().statuses())
    if (st->name() == name)
      return st;
  return nullptr;
}

caf::expected<command_result> open(runtime& rt, const std::string& id) {
  return rt.commands()->send_wait(
    test_domain::make_command(id, test_domain::open_account{"O"}));
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(pg_cluster_nodes, cluster_fixture)

BOOST_AUTO_TEST_CASE(a_cluster_needs_postgresql_and_a_sound_configuration) {
  auto cfg = config("node-a");
  auto memory = cfg;
  memory.store = *parse_store_url("memory:");
  auto bad_id = cfg;
  bad_id.cluster.node_id = "node a";
  auto no_address = cfg;
  no_address.cluster.address.clear();
  auto short_lease = cfg;
  short_lease.cluster.lease_ttl = cfg.cluster.heartbeat;
  for (auto* c : {&memory, &bad_id, &no_address, &short_lease}) {
    auto rt = runtime::start(*c, registry);
    BOOST_REQUIRE(!rt);
    BOOST_TEST((code_of(rt.error()) == errc::invalid_argument), why(rt));
  }
}

BOOST_AUTO_TEST_CASE(two_nodes_share_the_slices_and_run_only_their_own) {
  auto a = start(config("node-a"));
  auto b = start(config("node-b"));
  BOOST_REQUIRE(eventually([&] {
    return owned(*a) > 0 && owned(*b) > 0
           && owned(*a) + owned(*b) == size_t{slices};
  }));
  auto mine_a = a->ownership()->owned();
  for (auto s : b->ownership()->owned())
    BOOST_TEST(std::count(mine_a.begin(), mine_a.end(), s) == 0);
  int on_a = 0;
  for (int i = 0; i < 40; ++i) {
    auto id = "c" + std::to_string(i);
    auto& owner = local(*a, id) ? *a : *b;
    auto& other = local(*a, id) ? *b : *a;
    on_a += local(*a, id) ? 1 : 0;
    auto refused = open(other, id);
    BOOST_REQUIRE(!refused);
    BOOST_TEST((code_of(refused.error()) == errc::not_owner), why(refused));
    auto done = open(owner, id);
    BOOST_TEST(static_cast<bool>(done), why(done));
  }
  BOOST_TEST(on_a > 0);
  BOOST_TEST(on_a < 40);
  BOOST_TEST(*a->stores().events->last_position() == 40);
}

BOOST_AUTO_TEST_CASE(a_node_joining_takes_its_share_and_the_old_owner_lets_go) {
  auto a = start(config("node-a"));
  BOOST_REQUIRE(eventually([&] { return owned(*a) == size_t{slices}; }));
  for (int i = 0; i < 30; ++i)
    BOOST_REQUIRE(static_cast<bool>(open(*a, "j" + std::to_string(i))));
  auto stats = a->routers().at("account");
  BOOST_TEST(stats->alive.load() == 30u);
  auto b = start(config("node-b"));
  BOOST_REQUIRE(eventually([&] {
    return owned(*b) > 0 && owned(*a) + owned(*b) == size_t{slices};
  }));
  // node-a's actors of the slices it handed over are passivated (their
  // state would be stale if the slices came back); the rest stay.
  size_t moved = 0;
  for (int i = 0; i < 30; ++i)
    moved += local(*b, "j" + std::to_string(i)) ? 1 : 0;
  BOOST_REQUIRE(moved > 0);
  BOOST_REQUIRE(eventually([&] { return stats->passivated.load() >= moved; }));
  BOOST_TEST(stats->alive.load() == 30u - moved);
  // Their commands now run on node-b, from the stored events.
  for (int i = 0; i < 30; ++i) {
    auto id = "j" + std::to_string(i);
    auto& owner = local(*a, id) ? *a : *b;
    auto done = owner.commands()->send_wait(
      test_domain::make_command(id, test_domain::deposit{1}));
    BOOST_TEST(static_cast<bool>(done), why(done));
    if (done)
      BOOST_TEST(done->version == 2);
  }
}

BOOST_AUTO_TEST_CASE(projections_spread_over_the_nodes_and_move_with_slices) {
  auto a = start(config("node-a"));
  auto b = start(config("node-b"));
  BOOST_REQUIRE(eventually([&] {
    return owned(*a) > 0 && owned(*b) > 0
           && owned(*a) + owned(*b) == size_t{slices};
  }));
  // Each node runs every projection's runner; the slice of its key says
  // which one leads it.
  std::vector<std::string> names{"p0", "p1", "p2", "p3", "p4", "p5"};
  std::map<std::string, std::shared_ptr<std::atomic<int>>> on_a;
  std::map<std::string, std::shared_ptr<std::atomic<int>>> on_b;
  int led_by_a = 0;
  for (auto& n : names) {
    on_a[n] = std::make_shared<std::atomic<int>>(0);
    on_b[n] = std::make_shared<std::atomic<int>>(0);
    BOOST_REQUIRE(!a->projections().add(
      std::make_shared<counting_projection>(n, on_a[n])));
    BOOST_REQUIRE(!b->projections().add(
      std::make_shared<counting_projection>(n, on_b[n])));
    led_by_a += a->ownership()->route_of(cluster::projection_key(n)).local;
  }
  BOOST_TEST(led_by_a > 0);
  BOOST_TEST(led_by_a < 6);
  for (int i = 0; i < 10; ++i) {
    auto id = "q" + std::to_string(i);
    BOOST_REQUIRE(static_cast<bool>(open(local(*a, id) ? *a : *b, id)));
  }
  for (auto& n : names) {
    auto a_leads = a->ownership()->route_of(cluster::projection_key(n)).local;
    auto& leader = a_leads ? on_a[n] : on_b[n];
    auto& standby = a_leads ? on_b[n] : on_a[n];
    BOOST_TEST_CONTEXT(n) {
      BOOST_REQUIRE(eventually([&] { return leader->load() == 10; }));
      BOOST_TEST(standby->load() == 0);
      BOOST_TEST(status_of(a_leads ? *a : *b, n)->leader());
      BOOST_TEST(!status_of(a_leads ? *b : *a, n)->leader());
    }
  }
  // node-b leaves: node-a takes its projections over from their
  // checkpoints, so no event is applied twice or skipped.
  b->stop();
  BOOST_REQUIRE(eventually([&] { return owned(*a) == size_t{slices}; }));
  for (int i = 10; i < 15; ++i)
    BOOST_REQUIRE(static_cast<bool>(open(*a, "q" + std::to_string(i))));
  for (auto& n : names)
    BOOST_TEST_CONTEXT(n) {
      BOOST_REQUIRE(eventually([&] {
        return on_a[n]->load() + on_b[n]->load() == 15;
      }));
      BOOST_TEST(status_of(*a, n)->leader());
    }
}

BOOST_AUTO_TEST_CASE(an_append_for_a_slice_lost_unknowingly_is_fenced) {
  // Beats far apart: after its first, node-a does not learn of the
  // takeover below before its command (as if paused, or cut off).
  auto a = start(config("node-a", 20s));
  BOOST_REQUIRE(eventually([&] { return owned(*a) == size_t{slices}; }));
  std::string id = "f1";
  BOOST_REQUIRE(static_cast<bool>(open(*a, id)));
  auto slice = cluster::slice_of("account-" + id, slices);
  // To the table node-a looks dead; node-x claims the slice.
  auto leases = pg::lease_store::open(pg_test_config(schema));
  BOOST_REQUIRE(static_cast<bool>(leases));
  BOOST_REQUIRE(eventually([&] {
    pg_test_query("UPDATE " + schema + ".cluster_nodes SET expires_at ="
                  " clock_timestamp() - interval '1 second'");
    auto view = (*leases)->heartbeat({"node-x", "x:1", 60s}, slices);
    BOOST_REQUIRE(static_cast<bool>(view));
    auto won = (*leases)->claim("node-x", {view->slices[size_t(slice)]});
    return won && won->size() == 1u;
  }));
  // node-a still thinks it owns the slice; the store refuses its append.
  BOOST_REQUIRE(local(*a, id));
  auto fenced = a->commands()->send_wait(
    test_domain::make_command(id, test_domain::deposit{5}));
  BOOST_REQUIRE(!fenced);
  BOOST_TEST((code_of(fenced.error()) == errc::not_owner), why(fenced));
  BOOST_TEST(why(fenced).find("refused: slice " + std::to_string(slice))
               != std::string::npos,
             why(fenced));
  BOOST_TEST(a->stores().events->stream_info("account-" + id)->version == 1);
  // Another slice of node-a's is not affected.
  std::string other = "f2";
  for (int i = 3; cluster::slice_of("account-" + other, slices) == slice; ++i)
    other = "f" + std::to_string(i);
  auto fine = open(*a, other);
  BOOST_TEST(static_cast<bool>(fine), why(fine));
}

BOOST_AUTO_TEST_CASE(a_restart_under_the_same_id_fences_off_the_previous_run) {
  // The first run's beats are far apart: it keeps believing it owns
  // everything while the second run (same node id) takes over, as a
  // paused process would while its replacement starts.
  auto old_run = start(config("node-a", 20s));
  BOOST_REQUIRE(eventually([&] { return owned(*old_run) == size_t{slices}; }));
  BOOST_REQUIRE(static_cast<bool>(open(*old_run, "r1")));
  pg_test_query("UPDATE " + schema + ".cluster_nodes SET expires_at ="
                " clock_timestamp() - interval '1 second'");
  auto new_run = start(config("node-a"));
  BOOST_REQUIRE(eventually([&] { return owned(*new_run) == size_t{slices}; }));
  BOOST_TEST(new_run->ownership()->node_id()
             != old_run->ownership()->node_id());
  BOOST_REQUIRE(local(*old_run, "r1"));
  auto stale = old_run->commands()->send_wait(
    test_domain::make_command("r1", test_domain::deposit{5}));
  BOOST_REQUIRE(!stale);
  BOOST_TEST((code_of(stale.error()) == errc::not_owner), why(stale));
  auto fresh = new_run->commands()->send_wait(
    test_domain::make_command("r1", test_domain::deposit{5}));
  BOOST_TEST(static_cast<bool>(fresh), why(fresh));
}

BOOST_AUTO_TEST_CASE(slices_move_when_a_node_leaves_or_stops_renewing) {
  auto a = start(config("node-a"));
  auto b = start(config("node-b"));
  auto c_cfg = config("node-c");
  c_cfg.cluster.leave_on_stop = false; // as if killed
  auto c = start(c_cfg);
  BOOST_REQUIRE(eventually([&] {
    return owned(*a) > 0 && owned(*b) > 0 && owned(*c) > 0
           && owned(*a) + owned(*b) + owned(*c) == size_t{slices};
  }));
  b->stop(); // leaves the table
  BOOST_REQUIRE(eventually([&] {
    return owned(*a) + owned(*c) == size_t{slices};
  }));
  c->stop(); // stops renewing: its slices move after its lease
  BOOST_REQUIRE(eventually([&] { return owned(*a) == size_t{slices}; }));
  for (int i = 0; i < 20; ++i) {
    auto done = open(*a, "m" + std::to_string(i));
    BOOST_TEST(static_cast<bool>(done), why(done));
  }
}

BOOST_AUTO_TEST_SUITE_END()
