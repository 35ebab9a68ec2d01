// The service as a separate process: killed in the middle of a transfer
// (right after the debit, before the transfer records it) and restarted,
// the transfer completes with the debit taken once; killed with SIGKILL
// under load, every transfer still completes or compensates with no money
// created or lost; SIGTERM shuts it down with exit status 0.

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <cstdio>
#include <random>

#include "http_fixture.hpp"
#include "../support/bank_process.hpp"

using namespace bank_test;

namespace {

using process = mink::test_support::bank_process;

} // namespace

BOOST_AUTO_TEST_SUITE(http_crash)

BOOST_AUTO_TEST_CASE(a_crash_after_the_debit_completes_after_restart) {
  schema_guard schema{unique_schema("crash1")};
  auto env = process_env(schema.name);
  env["BANK_FAULT_EXIT_AFTER"] = "debit";
  auto p = process::start(env);
  client c{"127.0.0.1", p.port};
  auto a = c.open("Ada");
  auto b = c.open("Bob");
  BOOST_REQUIRE_EQUAL(c.post("/accounts/" + a + "/deposit", R"({"amount":900})").status, 200);
  auto t = c.post("/transfers", R"({"from":")" + a + R"(","to":")" + b
                                  + R"(","amount":400})");
  BOOST_REQUIRE_EQUAL(t.status, 202);
  // The saga debits, then the process dies before recording it.
  BOOST_REQUIRE_EQUAL(p.wait(), 86);
  auto tid = t.str("id");
  BOOST_CHECK_EQUAL(pg_exec("SELECT count(*) FROM " + schema.name
                            + ".events WHERE type = 'FundsDebited'"),
                    "1");
  BOOST_CHECK_EQUAL(pg_exec("SELECT count(*) FROM " + schema.name
                            + ".events WHERE type = 'TransferDebited'"),
                    "0");
  // Restarted without the fault: the transfer goes on from where it was.
  auto q = process::start(process_env(schema.name));
  client c2{"127.0.0.1", q.port};
  BOOST_CHECK_EQUAL(c2.await_transfer(tid).str("status"), "completed");
  auto pos = std::to_string(c2.head());
  BOOST_CHECK_EQUAL(c2.get("/accounts/" + a + "?position=" + pos).num("balance"), 500);
  BOOST_CHECK_EQUAL(c2.get("/accounts/" + b + "?position=" + pos).num("balance"), 400);
  BOOST_CHECK_EQUAL(pg_exec("SELECT count(*) FROM " + schema.name
                            + ".events WHERE type = 'FundsDebited'"),
                    "1");
  ::kill(q.pid, SIGTERM);
  BOOST_CHECK_EQUAL(q.wait(), 0);
}

BOOST_AUTO_TEST_CASE(sigkill_under_load_loses_no_money) {
  schema_guard schema{unique_schema("crash2")};
  auto p = process::start(process_env(schema.name));
  client c{"127.0.0.1", p.port};
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    ids.push_back(c.open("o" + std::to_string(i)));
    BOOST_REQUIRE_EQUAL(c.post("/accounts/" + ids.back() + "/deposit",
                               R"({"amount":1000})")
                          .status,
                        200);
  }
  BOOST_REQUIRE_EQUAL(c.post("/accounts/" + ids[5] + "/close", "").status, 200);
  std::mt19937 rng{7};
  std::vector<std::string> transfers;
  for (int k = 0; k < 60; ++k) {
    auto from = ids[rng() % 5];
    auto to = ids[rng() % 6];
    if (from == to)
      continue;
    auto res = c.post("/transfers", R"({"from":")" + from + R"(","to":")" + to
                                      + R"(","amount":)"
                                      + std::to_string(1 + rng() % 400) + "}");
    BOOST_REQUIRE_EQUAL(res.status, 202);
    transfers.push_back(res.str("id"));
  }
  // Kill it while the saga is (most likely) still working through them.
  ::kill(p.pid, SIGKILL);
  BOOST_CHECK_EQUAL(p.wait(), 128 + SIGKILL);
  auto q = process::start(process_env(schema.name));
  client c2{"127.0.0.1", q.port};
  for (const auto& id : transfers) {
    auto st = c2.await_transfer(id).str("status");
    BOOST_CHECK_MESSAGE(st == "completed" || st == "rejected"
                          || st == "compensated",
                        "transfer " << id << " ended " << st);
  }
  auto pos = std::to_string(c2.head());
  auto total = c2.get("/total?position=" + pos);
  BOOST_CHECK_EQUAL(total.num("total"), 5000); // 6000 deposited, 1000 paid out
  BOOST_CHECK_EQUAL(total.num("sum_of_balances"), 5000);
  BOOST_CHECK_EQUAL(total.num("in_transit"), 0);
  // Each debit settled exactly once.
  BOOST_CHECK_EQUAL(
    pg_exec("SELECT count(*) FROM (SELECT data->>'transfer_id' AS t, count(*) "
            "AS n FROM " + schema.name
            + ".events WHERE type = 'FundsDebited' GROUP BY 1 HAVING count(*) "
              "> 1) x"),
    "0");
  BOOST_CHECK_EQUAL(pg_exec("SELECT count(*) FROM " + schema.name
                            + ".events WHERE type = 'FundsDebited'"),
                    pg_exec("SELECT count(*) FROM " + schema.name
                            + ".events WHERE type IN ('FundsCredited', "
                              "'FundsRefunded')"));
  ::kill(q.pid, SIGTERM);
  BOOST_CHECK_EQUAL(q.wait(), 0);
}

BOOST_AUTO_TEST_SUITE_END()
