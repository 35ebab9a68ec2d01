// Two bank processes as nodes of a cluster on one schema (node_id set):
// each runs the commands of its own slices and forwards the others to
// their owner; /health and /metrics show the cluster; a node killed with
// SIGKILL has its slices owned again by the survivor, which then takes
// commands for every account.

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <regex>
#include <string>

#include "http_fixture.hpp"
#include "../support/bank_process.hpp"
#include "../support/eventually.hpp"

using namespace bank_test;

namespace {

using process = mink::test_support::bank_process;

constexpr int slices = 16;

std::map<std::string, std::string> node_env(const std::string& schema,
                                            const std::string& node) {
  auto env = process_env(schema);
  env["BANK_NODE_ID"] = node;
  env["BANK_NODE_ADDRESS"] = "127.0.0.1:0";
  env["BANK_CLUSTER_SLICES"] = std::to_string(slices);
  env["BANK_HEARTBEAT_MS"] = "200";
  env["BANK_LEASE_TTL_MS"] = "1000";
  return env;
}

/// The value of the unlabelled sample `name` in /metrics; -1 when absent.
double metric(client& c, const std::string& name) {
  auto body = c.get("/metrics").body;
  std::smatch m;
  if (std::regex_search(body, m, std::regex{"\n" + name + " ([-0-9.e+]+)\n"}))
    return std::stod(m[1]);
  return -1;
}

/// `mink_projection_leader` by projection.
std::map<std::string, double> leaders(client& c) {
  std::map<std::string, double> out;
  auto body = c.get("/metrics").body;
  std::regex re{"\nmink_projection_leader\\{projection=\"([^\"]+)\"\\} ([0-9.]+)"};
  for (auto i = std::sregex_iterator(body.begin(), body.end(), re);
       i != std::sregex_iterator(); ++i)
    out[(*i)[1]] = std::stod((*i)[2]);
  return out;
}

int owned(client& c) {
  return static_cast<int>(metric(c, "mink_cluster_slices_owned"));
}

} // namespace

BOOST_AUTO_TEST_SUITE(http_cluster)

BOOST_AUTO_TEST_CASE(two_nodes_share_the_accounts_and_a_survivor_takes_all) {
  schema_guard schema{unique_schema("cluster")};
  auto a = process::start(node_env(schema.name, "node-a"));
  auto b = process::start(node_env(schema.name, "node-b"));
  client ca{"127.0.0.1", a.port};
  client cb{"127.0.0.1", b.port};
  BOOST_REQUIRE(mink::test_support::eventually([&] {
    return owned(ca) > 0 && owned(cb) > 0 && owned(ca) + owned(cb) == slices;
  }));
  auto health = ca.get("/health");
  BOOST_TEST(health.status == 200);
  BOOST_TEST(health.body.find("\"cluster\"") != std::string::npos, health.body);
  BOOST_TEST(health.body.find("of 16 slices; 2 of 2 members live")
               != std::string::npos,
             health.body);
  BOOST_TEST(metric(ca, "mink_cluster_slices") == slices);
  // Each projection runs on exactly one of the two.
  BOOST_REQUIRE(mink::test_support::eventually([&] {
    auto la = leaders(ca);
    auto lb = leaders(cb);
    if (la.empty() || la.size() != lb.size())
      return false;
    for (auto& [name, x] : la)
      if (x + lb[name] != 1.0)
        return false;
    return true;
  }));
  // Accounts opened through either node: node-b's share of those sent to
  // node-a is forwarded, and the other way round.
  for (int i = 0; i < 20; ++i) {
    auto body = R"({"owner":"o","id":"k)" + std::to_string(i) + R"("})";
    auto res = (i % 2 == 0 ? ca : cb).post("/accounts", body);
    BOOST_TEST(res.status == 201, res.body);
  }
  BOOST_TEST(metric(ca, "mink_cluster_commands_forwarded_total")
               + metric(cb, "mink_cluster_commands_forwarded_total")
             > 0);
  // node-b dies; node-a owns every slice within the lease and a heartbeat
  // (1.2 s here) and takes every account's commands.
  ::kill(b.pid, SIGKILL);
  b.wait();
  BOOST_REQUIRE(mink::test_support::eventually([&] {
    return owned(ca) == slices;
  }));
  BOOST_TEST(metric(ca, "mink_cluster_slices_gained_total") >= slices);
  for (int i = 0; i < 20; ++i) {
    auto res = ca.post("/accounts/k" + std::to_string(i) + "/deposit",
                       R"({"amount":5})");
    BOOST_TEST(res.status == 200, res.body);
  }
  BOOST_TEST(pg_exec("SELECT count(*) FROM " + schema.name
                     + ".events WHERE type = 'MoneyDeposited'")
             == "20");
}

BOOST_AUTO_TEST_SUITE_END()
