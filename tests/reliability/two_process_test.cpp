// Guarantee "two processes" (docs/reliability.md): two bank services on one
// PostgreSQL schema, 64 clients (32 on each), 20 hot accounts. No update is
// lost (every account's balance is what its acknowledged commands and the
// outcomes of its transfers make it, in the events and in both services'
// read models), versions are gapless, positions dense, the total holds.

#include <boost/test/unit_test.hpp>

#include <iostream>
#include <map>
#include <thread>

#include "../support/bank_process.hpp"
#include "bank_load.hpp"

using namespace bank_test;
using namespace reliability;
using mink::test_support::bank_process;

namespace {

constexpr int hot_accounts = 20;
constexpr int64_t opening_deposit = 1000;

/// The balance of every account that the answers imply.
std::map<std::string, int64_t>
expected_balances(client& c, const std::vector<std::string>& accounts,
                  std::vector<sent_command>& cmds) {
  std::map<std::string, int64_t> balance;
  for (const auto& a : accounts)
    balance[a] = opening_deposit;
  for (auto& cmd : cmds) {
    if (cmd.status >= 500 || cmd.status == 0)
      send_until_definite(c, cmd); // same key: the first answer, or done now
    BOOST_REQUIRE_MESSAGE(cmd.status != 0 && cmd.status < 500,
                          cmd.path << " got " << cmd.status);
    if (cmd.kind == "deposit" && cmd.status == 200)
      balance[cmd.account] += cmd.amount;
    else if (cmd.kind == "withdraw" && cmd.status == 200)
      balance[cmd.account] -= cmd.amount;
    else if (cmd.kind == "transfer" && cmd.status == 202) {
      auto t = c.await_transfer(cmd.key);
      auto st = t.str("status");
      BOOST_REQUIRE_MESSAGE(st == "completed" || st == "rejected"
                              || st == "compensated",
                            "transfer " << cmd.key << " ended " << st);
      if (st == "completed") {
        balance[t.str("from")] -= t.num("amount");
        balance[t.str("to")] += t.num("amount");
      }
    }
  }
  return balance;
}

} // namespace

BOOST_AUTO_TEST_SUITE(two_processes)

BOOST_AUTO_TEST_CASE(sixty_four_clients_on_twenty_hot_accounts_lose_no_update) {
  schema_guard schema{unique_schema("two_proc")};
  auto env = process_env(schema.name);
  auto p0 = bank_process::start(env);
  auto p1 = bank_process::start(env);
  client c0{"127.0.0.1", p0.port};
  client c1{"127.0.0.1", p1.port};
  std::vector<std::string> accounts;
  for (int i = 0; i < hot_accounts; ++i) {
    accounts.push_back("hot" + std::to_string(i));
    open_funded(i % 2 == 0 ? c0 : c1, accounts.back(), opening_deposit);
  }
  load_clients load;
  std::thread t0{[&] { load.run(p0.port, 32, 1000, accounts, 30, false, "p0-"); }};
  std::thread t1{[&] { load.run(p1.port, 32, 2000, accounts, 30, false, "p1-"); }};
  t0.join();
  t1.join();
  auto cmds = load.log.all();
  BOOST_TEST_MESSAGE(cmds.size() << " commands from 64 clients");
  auto balance = expected_balances(c0, accounts, cmds);
  std::map<std::string, int> by_status;
  for (const auto& cmd : cmds)
    ++by_status[std::to_string(cmd.status) + (cmd.error.empty() ? "" : " ")
                + cmd.error];
  std::cout << cmds.size() << " commands from 64 clients on two processes:";
  for (const auto& [st, n] : by_status)
    std::cout << " " << n << " x " << st;
  std::cout << std::endl;
  const auto& s = schema.name;
  // Both processes wrote every hot account: the streams were contended.
  BOOST_CHECK_EQUAL(
    pg_exec("SELECT count(*) FROM (SELECT stream_id FROM " + s
            + ".events WHERE metadata->>'correlation_id' LIKE 'p_-%' GROUP BY 1 "
              "HAVING count(DISTINCT left(metadata->>'correlation_id', 2)) = 2) "
              "x"),
    std::to_string(hot_accounts));
  // Gapless versions, dense positions.
  BOOST_CHECK_EQUAL(pg_exec("SELECT count(*) FROM (SELECT stream_id FROM " + s
                            + ".events GROUP BY 1 HAVING min(version) <> 1 OR "
                              "max(version) <> count(*)) x"),
                    "0");
  BOOST_CHECK_EQUAL(pg_exec("SELECT min(position) = 1 AND max(position) = "
                            "count(*) FROM " + s + ".events"),
                    "t");
  // No lost update: the events, and both read models, hold the balances.
  for (auto& c : {&c0, &c1}) {
    auto head = std::to_string(c->head());
    for (const auto& [id, expected] : balance) {
      auto got = c->get("/accounts/" + id + "?position=" + head);
      BOOST_CHECK_MESSAGE(got.num("balance") == expected,
                          id << ": balance " << got.num("balance")
                             << ", expected " << expected);
    }
    auto total = c->get("/total?position=" + head);
    int64_t sum = 0;
    for (const auto& [id, b] : balance)
      sum += b;
    BOOST_CHECK_EQUAL(total.num("total"), sum);
    BOOST_CHECK_EQUAL(total.num("sum_of_balances"), sum);
    BOOST_CHECK_EQUAL(total.num("in_transit"), 0);
  }
  for (const auto& [id, expected] : balance)
    BOOST_CHECK_EQUAL(
      pg_exec("SELECT coalesce(sum(CASE WHEN type IN ('MoneyDeposited', "
              "'FundsCredited', 'FundsRefunded') THEN 1 ELSE -1 END * "
              "(data->>'amount')::bigint), 0) FROM " + s
              + ".events WHERE stream_id = 'account-" + id
              + "' AND type IN ('MoneyDeposited', 'MoneyWithdrawn', "
                "'FundsDebited', 'FundsCredited', 'FundsRefunded')"),
      std::to_string(expected));
  BOOST_CHECK_EQUAL(p0.terminate(), 0);
  BOOST_CHECK_EQUAL(p1.terminate(), 0);
}

BOOST_AUTO_TEST_SUITE_END()
