// Many threads start transfers at once; afterwards the bank's total equals
// the sum over the accounts, and no money is in transit.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <random>
#include <thread>

#include "http_fixture.hpp"

using namespace bank_test;

BOOST_AUTO_TEST_SUITE(http_load)

BOOST_AUTO_TEST_CASE(total_equals_sum_of_accounts_after_concurrent_transfers) {
  service_fixture f{"load"};
  auto& c = *f.http;
  constexpr int accounts = 12;
  constexpr int threads = 8;
  constexpr int per_thread = 25;
  std::vector<std::string> ids;
  int64_t deposited = 0;
  for (int i = 0; i < accounts; ++i) {
    ids.push_back(c.open("owner" + std::to_string(i)));
    auto amount = 1000 + 100 * i;
    BOOST_REQUIRE_EQUAL(c.post("/accounts/" + ids.back() + "/deposit",
                               R"({"amount":)" + std::to_string(amount) + "}")
                          .status,
                        200);
    deposited += amount;
  }
  // One account closes: transfers to it compensate.
  BOOST_REQUIRE_EQUAL(c.post("/accounts/" + ids.back() + "/close", "").status, 200);
  auto withdrawn = int64_t{1000 + 100 * (accounts - 1)}; // its payout
  std::vector<std::vector<std::string>> started(threads);
  std::atomic<int> refused{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      client cli{f.cfg.listen_address, f.svc->port()};
      std::mt19937 rng{static_cast<unsigned>(t)};
      for (int k = 0; k < per_thread; ++k) {
        auto from = ids[rng() % accounts];
        auto to = ids[rng() % accounts];
        auto amount = 1 + rng() % 700;
        auto res = cli.post("/transfers", R"({"from":")" + from + R"(","to":")"
                                            + to + R"(","amount":)"
                                            + std::to_string(amount) + "}");
        if (res.status == 202)
          started[t].push_back(res.str("id"));
        else if (res.status == 422 && from == to)
          ++refused; // same account
        else
          ++unexpected; // Boost.Test checks are not thread-safe
      }
    });
  for (auto& w : workers)
    w.join();
  BOOST_CHECK_EQUAL(unexpected.load(), 0);
  std::map<std::string, int> outcomes;
  for (const auto& ids_of_thread : started)
    for (const auto& id : ids_of_thread)
      ++outcomes[c.await_transfer(id).str("status")];
  BOOST_TEST_MESSAGE("outcomes: completed " << outcomes["completed"]
                     << ", rejected " << outcomes["rejected"]
                     << ", compensated " << outcomes["compensated"]
                     << ", refused " << refused.load());
  BOOST_CHECK_EQUAL(outcomes["completed"] + outcomes["rejected"]
                      + outcomes["compensated"] + refused.load(),
                    threads * per_thread);
  BOOST_CHECK_GT(outcomes["completed"], 0);
  auto pos = std::to_string(c.head());
  auto total = c.get("/total?position=" + pos);
  BOOST_REQUIRE_EQUAL(total.status, 200);
  BOOST_CHECK_EQUAL(total.num("total"), deposited - withdrawn);
  BOOST_CHECK_EQUAL(total.num("in_transit"), 0);
  BOOST_CHECK_EQUAL(total.num("sum_of_balances"), total.num("total"));
  int64_t sum = 0;
  for (const auto& id : ids) {
    auto acc = c.get("/accounts/" + id + "?position=" + pos);
    BOOST_REQUIRE_EQUAL(acc.status, 200);
    BOOST_CHECK_GE(acc.num("balance"), 0);
    sum += acc.num("balance");
  }
  BOOST_CHECK_EQUAL(sum, deposited - withdrawn);
  // The stored events agree with the read model: every debit was credited
  // or refunded exactly once.
  auto debits = pg_exec("SELECT count(*) FROM " + f.schema
                        + ".events WHERE type = 'FundsDebited'");
  auto settled = pg_exec("SELECT count(*) FROM " + f.schema
                         + ".events WHERE type IN ('FundsCredited', "
                           "'FundsRefunded')");
  BOOST_CHECK_EQUAL(debits, settled);
  BOOST_CHECK_EQUAL(std::stoi(debits),
                    outcomes["completed"] + outcomes["compensated"]);
}

BOOST_AUTO_TEST_SUITE_END()
