// Commands through any node of a cluster: a node passes a command for a
// slice it does not own to the owner's endpoint (CAF's network layer, one
// envelope type with the command as JSON) and relays the answer, business
// errors included; a command is passed on once, never back; once a node
// has left, its slices run where they are now owned.

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <string>
#include <variant>
#include <vector>

#include "../support/error_text.hpp"
#include "../support/pg_cluster_config.hpp"
#include "../support/eventually.hpp"
#include "../support/pg_test_env.hpp"
#include "mink/actors/runtime.hpp"
#include "mink/business_error.hpp"
#include "mink/errc.hpp"
#include "mink/serialization/declared_events.hpp"
#include "mink/uuid.hpp"

namespace tally_domain {

enum class tally_errc : uint8_t { none, not_positive };
MINK_BUSINESS_ERRORS(tally_errc, "tally", none, not_positive)

struct bumped { int64_t by = 0; };
MINK_EVENT(bumped, "Bumped", by)

struct bump { int64_t by = 0; };
MINK_COMMAND(bump, by)

struct total { int64_t value = 0; };
MINK_FIELDS(total, value)

struct tally {
  using state_type = total;
  using event_type = std::variant<bumped>;
  using command_type = std::variant<bump>;
  static constexpr const char* category = "tally";
  static constexpr const char* state_type_name = "test.total";

  static caf::expected<std::vector<event_type>> decide(const total&,
                                                       const command_type& c) {
    auto by = std::get<bump>(c).by;
    if (by <= 0)
      return make_error(tally_errc::not_positive, "by " + std::to_string(by));
    return std::vector<event_type>{bumped{by}};
  }

  static void evolve(total& st, const event_type& ev) {
    st.value += std::get<bumped>(ev).by;
  }
};

} // namespace tally_domain

using namespace mink;
using namespace mink::test_support;
using namespace std::chrono_literals;
using tally_domain::tally;

namespace {

constexpr int32_t slices = 16;

struct forward_fixture {
  std::string schema = "forward_" + std::to_string(getpid());
  std::shared_ptr<event_registry> registry
    = std::make_shared<event_registry>();

  forward_fixture() {
    BOOST_REQUIRE(!register_events<tally::event_type>(*registry));
  }

  ~forward_fixture() { pg_test_drop_schema(schema); }

  std::unique_ptr<runtime>
  start(const std::string& node,
        std::chrono::milliseconds heartbeat = std::chrono::milliseconds{200}) {
    auto cfg = pg_cluster_config(schema, node, slices, heartbeat);
    cfg.command_timeout = 3s;
    auto rt = runtime::start(cfg, registry);
    BOOST_REQUIRE_MESSAGE(rt, why(rt));
    BOOST_REQUIRE((*rt)->add_aggregate<tally>());
    BOOST_REQUIRE(!(*rt)->start_commands({}));
    return std::move(*rt);
  }

  static bool local(const runtime& rt, const std::string& id) {
    return rt.ownership()->route_of("tally-" + id).local;
  }

  static size_t owned(const runtime& rt) {
    return rt.ownership()->owned().size();
  }

  /// Whether `x` and `y` agree on who owns the aggregates `ids` (each
  /// learns of the other's claims at its next heartbeat).
  static bool agree(const runtime& x, const runtime& y,
                    const std::vector<std::string>& ids) {
    for (auto& id : ids) {
      auto rx = x.ownership()->route_of("tally-" + id);
      auto ry = y.ownership()->route_of("tally-" + id);
      if (rx.local == ry.local || (!rx.local && rx.owner != ry.owner)
          || (!ry.local && ry.owner != rx.owner))
        return false;
    }
    return true;
  }
};

caf::expected<command_result> bump(runtime& rt, const std::string& id,
                                   int64_t by) {
  return rt.commands()->send_wait(
    make_command<tally>(id, tally_domain::bump{by}, make_uuid()));
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(pg_cluster_forwarding, forward_fixture)

BOOST_AUTO_TEST_CASE(commands_through_any_node_reach_the_owner) {
  auto a = start("node-a");
  auto b = start("node-b");
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i)
    ids.push_back("t" + std::to_string(i));
  BOOST_REQUIRE(eventually([&] {
    return owned(*a) > 0 && owned(*b) > 0
           && owned(*a) + owned(*b) == size_t{slices} && agree(*a, *b, ids);
  }));
  // Every command goes through node-a; node-b's run on node-b.
  size_t on_b = 0;
  for (int i = 0; i < 30; ++i) {
    auto id = "t" + std::to_string(i);
    on_b += local(*b, id) ? 1 : 0;
    auto first = bump(*a, id, 2);
    BOOST_REQUIRE_MESSAGE(first, why(first));
    BOOST_TEST(first->version == 1);
    auto second = bump(*a, id, 3);
    BOOST_REQUIRE_MESSAGE(second, why(second));
    BOOST_TEST(second->version == 2);
    BOOST_TEST(second->position > first->position);
  }
  BOOST_REQUIRE(on_b > 0);
  BOOST_TEST(a->routers().at("tally")->spawned.load() == 30u - on_b);
  BOOST_TEST(b->routers().at("tally")->spawned.load() == on_b);
  BOOST_TEST(a->forwarding().forwarded.load() == 2 * on_b);
  BOOST_TEST(*a->stores().events->last_position() == 60);
  // A business error comes back as it was raised on the owner.
  std::string remote = "t0";
  for (int i = 1; !local(*b, remote); ++i)
    remote = "t" + std::to_string(i);
  auto refused = bump(*a, remote, 0);
  BOOST_REQUIRE(!refused);
  BOOST_TEST((business_code_of<tally_domain::tally_errc>(refused.error())
              == tally_domain::tally_errc::not_positive),
             why(refused));
  BOOST_TEST(why(refused).find("by 0") != std::string::npos, why(refused));
  // node-b leaves: its slices are node-a's, and run there.
  b->stop();
  BOOST_REQUIRE(eventually([&] { return owned(*a) == size_t{slices}; }));
  auto after = bump(*a, remote, 4);
  BOOST_REQUIRE_MESSAGE(after, why(after));
  BOOST_TEST(after->version == 3);
}

BOOST_AUTO_TEST_CASE(a_forwarded_command_is_not_passed_on_again) {
  // Beats far apart: the handover below stays as set.
  auto a = start("node-a", 20s);
  BOOST_REQUIRE(eventually([&] { return owned(*a) == size_t{slices}; }));
  // Marked forwarded (as from another node) for a slice node-a is handing
  // over: refused, not passed on.
  std::string id = "u1";
  auto slice = a->ownership()->route_of("tally-" + id).slice;
  std::const_pointer_cast<cluster::ownership>(a->ownership())
    ->hand_over({slice});
  auto cmd = make_command<tally>(id, tally_domain::bump{1}, make_uuid());
  cmd.forwarded = true;
  auto res = a->commands()->send_wait(std::move(cmd));
  BOOST_REQUIRE(!res);
  BOOST_TEST((code_of(res.error()) == errc::not_owner), why(res));
  BOOST_TEST(a->forwarding().forwarded.load() == 0u);
  // Not marked: still not sent anywhere, since node-a is the slice's
  // owner in the table (it is leaving it): not_owner at once.
  auto plain = a->commands()->send_wait(
    make_command<tally>(id, tally_domain::bump{1}, make_uuid()));
  BOOST_REQUIRE(!plain);
  BOOST_TEST((code_of(plain.error()) == errc::not_owner), why(plain));
  BOOST_TEST(a->forwarding().forwarded.load() == 0u);
}

BOOST_AUTO_TEST_CASE(an_owner_that_goes_is_replaced_and_nothing_runs_twice) {
  auto a = start("node-a");
  auto b = start("node-b");
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i)
    ids.push_back("d" + std::to_string(i));
  BOOST_REQUIRE(eventually([&] {
    return owned(*a) + owned(*b) == size_t{slices} && owned(*b) > 0
           && agree(*a, *b, ids);
  }));
  std::string remote = ids[0];
  for (size_t i = 1; !local(*b, remote); ++i)
    remote = ids[i];
  auto first = bump(*a, remote, 1);
  BOOST_REQUIRE_MESSAGE(first, why(first)); // connected
  // node-b goes: commands for its slices get not_owner (nothing run), or
  // timeout when one was sent to it in the moment before node-a learned
  // that it went (nothing ran there either), until they run on node-a,
  // which takes its slices over; none runs twice.
  b.reset();
  int64_t done = 0;
  BOOST_REQUIRE(eventually([&] {
    auto res = bump(*a, remote, 1);
    if (!res)
      BOOST_REQUIRE_MESSAGE(code_of(res.error()) == errc::not_owner
                              || code_of(res.error()) == errc::timeout,
                            why(res));
    else
      done = res->version;
    return static_cast<bool>(res);
  }));
  BOOST_TEST(done == 2);
}

BOOST_AUTO_TEST_CASE(a_node_address_that_cannot_be_listened_on_is_refused) {
  for (auto bad : {"nowhere", "127.0.0.1:", "127.0.0.1:99999", ":80"}) {
    auto cfg = pg_cluster_config(schema, "node-z", slices, 200ms);
    cfg.cluster.address = bad;
    auto rt = runtime::start(cfg, registry);
    BOOST_REQUIRE_MESSAGE(!rt, bad);
    BOOST_TEST((code_of(rt.error()) == errc::invalid_argument), why(rt));
    BOOST_TEST(why(rt).find(bad) != std::string::npos, why(rt));
  }
}

BOOST_AUTO_TEST_SUITE_END()
