// Guarantee "database outage and stall" (docs/reliability.md): the bank
// service's PostgreSQL server is stopped (a crash: `pg_ctl -m immediate`),
// or every server process is frozen with SIGSTOP (the kernel still ACKs,
// nothing answers). Commands, queries and /health answer 503 in bounded
// time during it; after it, the same service (no restart) answers again by
// itself; nothing acknowledged is lost; the storage metric `mink_store_up`
// goes to 0 during it and back to 1 after. The times are printed (the test
// bounds them generously; docs/reliability.md has the measured figures).

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <iostream>
#include <thread>

#include "../support/bank_process.hpp"
#include "../support/eventually.hpp"
#include "../support/metric_sample.hpp"
#include "../support/pg_own_server.hpp"
#include "bank_load.hpp"

using namespace bank_test;
using namespace reliability;
using mink::test_support::bank_process;
using mink::test_support::pg_own_server;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

sent_command deposit(const std::string& account, int64_t amount) {
  std::mt19937 rng{1};
  auto cmd = random_command(rng, {account});
  cmd.kind = "deposit";
  cmd.account = account;
  cmd.amount = amount;
  cmd.path = "/accounts/" + account + "/deposit";
  cmd.body = R"({"amount":)" + std::to_string(amount) + "}";
  return cmd;
}

/// During the fault: a command, a query and /health each answer 503 within
/// the bound; returns the slowest answer's time.
double check_unavailable(client& c, sent_command& cmd, const char* fault) {
  double slowest = 0;
  auto timed = [&](auto&& call, const char* what) {
    auto t0 = clock_type::now();
    int status = call();
    auto took = seconds_since(t0);
    slowest = std::max(slowest, took);
    BOOST_CHECK_MESSAGE(status == 503, fault << ": " << what << " answered "
                                             << status);
    BOOST_CHECK_MESSAGE(took < 30, fault << ": " << what << " took " << took
                                         << " s");
    std::cout << fault << ": " << what << " answered " << status << " in "
              << took << " s" << std::endl;
  };
  timed([&] { send(c, cmd); return cmd.status; }, "a deposit");
  timed([&] { return c.get("/accounts/a0").status; }, "a query");
  timed([&] { return c.get("/health").status; }, "/health");
  return slowest;
}

/// After the fault: repeats `cmd` (same key) until it succeeds; returns how
/// long that took.
double recovery(client& c, sent_command& cmd, const char* fault) {
  auto t0 = clock_type::now();
  while (seconds_since(t0) < 60) {
    send(c, cmd);
    if (cmd.status == 200)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  auto took = seconds_since(t0);
  BOOST_CHECK_MESSAGE(cmd.status == 200, fault << ": no recovery in " << took
                                               << " s, last answer "
                                               << cmd.status);
  std::cout << fault << ": recovered in " << took << " s" << std::endl;
  return took;
}

/// The value of `mink_store_up` in /metrics; -1 when it is not there.
double store_up(client& c) {
  return mink::test_support::metric_sample(c.get("/metrics").body,
                                           "mink_store_up")
    .value_or(-1);
}

} // namespace

BOOST_AUTO_TEST_SUITE(outage)

BOOST_AUTO_TEST_CASE(stop_and_stall_answer_503_and_recover_without_restart) {
  pg_own_server pg;
  BOOST_REQUIRE_MESSAGE(pg_own_server::available() && pg.ok(),
                        "needs root and PostgreSQL 15 to run a server");
  auto env = process_env("outage", pg.conninfo());
  env["BANK_STORAGE_INTERVAL_MS"] = "200";
  auto p = bank_process::start(env);
  client c{"127.0.0.1", p.port};
  std::vector<sent_command> acked;
  for (int i = 0; i < 4; ++i) {
    auto id = "a" + std::to_string(i);
    BOOST_REQUIRE_EQUAL(c.post("/accounts", R"({"owner":"o","id":")" + id
                                              + R"("})")
                          .status,
                        201);
    acked.push_back(deposit(id, 100));
    send(c, acked.back());
    BOOST_REQUIRE_EQUAL(acked.back().status, 200);
  }
  struct fault {
    const char* name;
    std::function<void()> begin;
    std::function<void()> end;
  };
  std::vector<fault> faults{
    {"stop", [&] { BOOST_REQUIRE(pg.stop()); }, [&] { BOOST_REQUIRE(pg.start()); }},
    {"SIGSTOP", [&] { BOOST_REQUIRE_GT(pg.freeze(), 1u); }, [&] { pg.thaw(); }}};
  int n = 0;
  for (auto& f : faults) {
    auto cmd = deposit("a" + std::to_string(n++), 10);
    BOOST_REQUIRE(mink::test_support::eventually(
      [&] { return store_up(c) == 1; }, std::chrono::seconds{30}));
    f.begin();
    check_unavailable(c, cmd, f.name);
    // The storage checks see the outage (the alert MinkStoreUnreachable).
    BOOST_CHECK_MESSAGE(mink::test_support::eventually(
                          [&] { return store_up(c) == 0; },
                          std::chrono::seconds{30}),
                        f.name << ": mink_store_up stayed " << store_up(c));
    f.end();
    recovery(c, cmd, f.name);
    BOOST_CHECK_MESSAGE(mink::test_support::eventually(
                          [&] { return store_up(c) == 1; },
                          std::chrono::seconds{30}),
                        f.name << ": mink_store_up stayed " << store_up(c));
    acked.push_back(cmd);
  }
  // Nothing acknowledged lost, each deposit stored once.
  for (const auto& cmd : acked)
    BOOST_CHECK_EQUAL(pg_exec_on(pg.conninfo(),
                                 "SELECT count(*) FROM outage.events WHERE "
                                 "command_id = '" + cmd.key + "' AND position = "
                                 + std::to_string(cmd.position)),
                      "1");
  auto head = std::to_string(c.head());
  BOOST_CHECK_EQUAL(c.get("/accounts/a0?position=" + head).num("balance"), 110);
  BOOST_CHECK_EQUAL(c.get("/accounts/a1?position=" + head).num("balance"), 110);
  BOOST_CHECK_EQUAL(c.get("/total?position=" + head).num("total"), 420);
  BOOST_CHECK_EQUAL(p.terminate(), 0);
}

BOOST_AUTO_TEST_SUITE_END()
