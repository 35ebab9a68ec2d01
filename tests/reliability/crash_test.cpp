// Guarantee "crash" (docs/reliability.md): the bank service under load is
// killed with SIGKILL at seeded random moments, ten times, and restarted
// each time. Afterwards every acknowledged command is stored once, commands
// whose answer was lost are answered when repeated, the read models equal a
// full replay, the bank's total holds, and every transfer completed,
// was rejected or was compensated.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include "../support/bank_process.hpp"
#include "bank_load.hpp"

using namespace bank_test;
using namespace reliability;
using mink::test_support::bank_process;

namespace {

constexpr int kills = 10;
constexpr const char* admin_token = "crash-test-admin-token-0123456789";

uint32_t crash_seed() {
  if (auto env = std::getenv("MINK_CRASH_SEED"); env != nullptr && *env)
    return static_cast<uint32_t>(std::strtoul(env, nullptr, 10));
  return std::random_device{}();
}

std::map<std::string, std::string> crash_env(const std::string& schema) {
  auto env = process_env(schema);
  env["BANK_ADMIN_TOKEN"] = admin_token;
  return env;
}

/// Waits until `pred` holds, polling; false after `seconds`.
template <class Pred>
bool wait_for(Pred pred, int seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds{seconds};
  while (std::chrono::steady_clock::now() < until) {
    if (pred())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return pred();
}

/// One round: load from 8 clients, SIGKILL once `min_acked` answers came
/// back and a random pause (0 to 300 ms) passed.
void load_and_kill(bank_process& p, load_clients& load, std::mt19937& rng,
                   const std::vector<std::string>& accounts, int round) {
  load.stop = false;
  auto before = load.acked.load();
  std::thread clients{[&, seed = rng()] {
    load.run(p.port, 8, seed, accounts, 100000, true);
  }};
  auto min_acked = 10 + static_cast<int64_t>(rng() % 60);
  BOOST_CHECK_MESSAGE(wait_for([&] { return load.acked - before >= min_acked; },
                               60),
                      "round " << round << ": the service answered "
                               << (load.acked - before) << " commands");
  std::this_thread::sleep_for(std::chrono::milliseconds{rng() % 300});
  p.signal(SIGKILL);
  BOOST_CHECK_EQUAL(p.wait(), 128 + SIGKILL);
  load.stop = true;
  clients.join();
  BOOST_TEST_MESSAGE("round " << round << ": killed after "
                              << (load.acked - before) << " answers");
}

/// A SQL row list `(key, position, type, stream, amount)` of the commands
/// that were answered with success (deposits and withdrawals).
std::string acked_rows(const std::vector<sent_command>& cmds) {
  std::string rows;
  for (const auto& c : cmds) {
    if (c.kind == "transfer" || c.status != 200)
      continue;
    if (!rows.empty())
      rows += ",";
    rows += "('" + c.key + "'::uuid," + std::to_string(c.position) + ",'"
            + (c.kind == "deposit" ? "MoneyDeposited" : "MoneyWithdrawn")
            + "','account-" + c.account + "'," + std::to_string(c.amount)
            + ")";
  }
  return rows;
}

void check_acknowledged_commands(const std::string& schema,
                                 const std::vector<sent_command>& cmds) {
  // Each success: at the answered position is the event of the right type,
  // account and amount, carrying the command's id (its command record).
  auto rows = acked_rows(cmds);
  BOOST_REQUIRE(!rows.empty());
  BOOST_CHECK_EQUAL(
    pg_exec("WITH acked(k, pos, typ, stream, amount) AS (VALUES " + rows
            + ") SELECT count(*) FROM acked a WHERE NOT EXISTS (SELECT 1 FROM "
            + schema + ".events e WHERE e.position = a.pos AND e.command_id "
              "= a.k AND e.command_events = 1 AND e.type = a.typ AND "
              "e.stream_id = a.stream AND (e.data->>'amount')::bigint = "
              "a.amount)"),
    "0");
  // Stored once: no command (the causation of its events) wrote two
  // deposits or withdrawals.
  BOOST_CHECK_EQUAL(
    pg_exec("SELECT count(*) FROM (SELECT metadata->>'causation_id' FROM "
            + schema + ".events WHERE type IN ('MoneyDeposited', "
                       "'MoneyWithdrawn') GROUP BY 1 HAVING count(*) > 1) x"),
    "0");
  // A refusal stored nothing.
  std::string refused;
  for (const auto& c : cmds)
    if (c.status >= 400 && c.status < 500)
      refused += (refused.empty() ? "'" : ",'") + c.key + "'";
  if (!refused.empty())
    BOOST_CHECK_EQUAL(pg_exec("SELECT count(*) FROM " + schema
                              + ".events WHERE metadata->>'causation_id' IN ("
                              + refused + ")"),
                      "0");
}

void check_transfers(client& c, const std::string& schema,
                     const std::vector<sent_command>& cmds) {
  std::set<std::string> ids;
  for (const auto& cmd : cmds)
    if (cmd.kind == "transfer" && cmd.status == 202)
      ids.insert(cmd.key);
  // Every transfer stored, acknowledged or not, ends final.
  auto stored = pg_exec("SELECT string_agg(substr(stream_id, 10), ',') FROM "
                        + schema + ".events WHERE type = 'TransferInitiated'");
  for (size_t at = 0; at < stored.size();) {
    auto comma = stored.find(',', at);
    auto id = stored.substr(at, comma == std::string::npos ? comma : comma - at);
    BOOST_CHECK(!id.empty());
    ids.insert(id);
    at = comma == std::string::npos ? stored.size() : comma + 1;
  }
  for (const auto& id : ids) {
    auto st = c.await_transfer(id).str("status");
    BOOST_CHECK_MESSAGE(st == "completed" || st == "rejected"
                          || st == "compensated",
                        "transfer " << id << " ended " << st);
  }
  BOOST_CHECK_EQUAL(pg_exec("SELECT count(*) FROM " + schema
                            + ".events WHERE type = 'TransferInitiated'"),
                    std::to_string(ids.size()));
  // Each debit settled exactly once.
  BOOST_CHECK_EQUAL(
    pg_exec("SELECT count(*) FROM (SELECT data->>'transfer_id' FROM " + schema
            + ".events WHERE type = 'FundsDebited' GROUP BY 1 HAVING count(*) "
              "> 1) x"),
    "0");
  BOOST_CHECK_EQUAL(pg_exec("SELECT count(*) FROM " + schema
                            + ".events WHERE type = 'FundsDebited'"),
                    pg_exec("SELECT count(*) FROM " + schema
                            + ".events WHERE type IN ('FundsCredited', "
                              "'FundsRefunded')"));
}

void check_total(client& c, const std::string& schema) {
  auto total = c.get("/total?position=" + std::to_string(c.head()));
  BOOST_REQUIRE_EQUAL(total.status, 200);
  auto from_events = pg_exec(
    "SELECT coalesce(sum(CASE type WHEN 'MoneyDeposited' THEN 1 ELSE -1 END "
    "* (data->>'amount')::bigint), 0) FROM " + schema
    + ".events WHERE type IN ('MoneyDeposited', 'MoneyWithdrawn')");
  BOOST_CHECK_EQUAL(std::to_string(total.num("total")), from_events);
  BOOST_CHECK_EQUAL(total.num("sum_of_balances"), total.num("total"));
  BOOST_CHECK_EQUAL(total.num("in_transit"), 0);
}

/// Rebuilds the three read models through the admin routes and compares
/// their tables with what they held before.
void check_replay(client& c, const std::string& schema) {
  const std::vector<std::string> projections{"bank_accounts", "bank_totals",
                                             "bank_transfers"};
  const std::vector<std::string> tables{"bank_accounts", "bank_history",
                                        "bank_totals", "bank_transfers"};
  auto head = std::to_string(c.head());
  // Caught up first: the tables as the live service built them.
  BOOST_REQUIRE_EQUAL(c.get("/total?position=" + head).status, 200);
  BOOST_REQUIRE_EQUAL(c.get("/transfers/none?position=" + head).status, 404);
  std::vector<std::string> live;
  for (const auto& t : tables)
    live.push_back(dump_table(schema, t));
  httplib::Headers auth{{"Authorization", std::string{"Bearer "} + admin_token}};
  for (const auto& p : projections)
    BOOST_REQUIRE_EQUAL(c.post("/admin/projections/" + p + "/rebuild", "", auth)
                          .status,
                        202);
  auto rebuilt = [&] {
    return pg_exec("SELECT count(*) FROM " + schema
                   + ".projections WHERE name LIKE 'bank\\_%' AND name <> "
                     "'bank_transfer_saga' AND (rebuild_requested OR "
                     "position < " + head + ")")
           == "0";
  };
  BOOST_REQUIRE_MESSAGE(wait_for(rebuilt, 120), "the rebuild did not finish");
  for (size_t i = 0; i < tables.size(); ++i)
    BOOST_CHECK_MESSAGE(dump_table(schema, tables[i]) == live[i],
                        "table " << tables[i] << " differs after a replay");
}

} // namespace

BOOST_AUTO_TEST_SUITE(crash)

BOOST_AUTO_TEST_CASE(sigkill_ten_times_under_load_loses_nothing) {
  auto seed = crash_seed();
  BOOST_TEST_MESSAGE("crash seed " << seed << " (MINK_CRASH_SEED=" << seed
                                   << " repeats it)");
  std::cout << "crash seed " << seed << std::endl;
  std::mt19937 rng{seed};
  schema_guard schema{unique_schema("crash_suite")};
  auto env = crash_env(schema.name);
  std::vector<std::string> accounts;
  {
    auto p = bank_process::start(env);
    client c{"127.0.0.1", p.port};
    for (int i = 0; i < 8; ++i) {
      accounts.push_back("acc" + std::to_string(i));
      open_funded(c, accounts.back(), 1000);
    }
    BOOST_CHECK_EQUAL(p.terminate(), 0);
  }
  load_clients load;
  for (int round = 1; round <= kills; ++round) {
    auto p = bank_process::start(env);
    load_and_kill(p, load, rng, accounts, round);
  }
  auto p = bank_process::start(env);
  client c{"127.0.0.1", p.port};
  // Commands whose answer was lost, repeated with their key, are answered.
  auto cmds = load.log.all();
  int lost = 0;
  for (auto& cmd : cmds)
    if (cmd.status == 0 || cmd.status >= 500) {
      ++lost;
      send_until_definite(c, cmd);
      BOOST_CHECK_MESSAGE(cmd.status != 0 && cmd.status < 500,
                          "a repeat of " << cmd.path << " got " << cmd.status);
    }
  BOOST_TEST_MESSAGE(cmds.size() << " commands, " << lost
                                 << " answers lost to the kills");
  std::cout << kills << " kills, " << cmds.size() << " commands, " << lost
            << " answers lost and repeated" << std::endl;
  check_acknowledged_commands(schema.name, cmds);
  check_transfers(c, schema.name, cmds);
  check_total(c, schema.name);
  check_replay(c, schema.name);
  BOOST_CHECK_EQUAL(p.terminate(), 0);
}

BOOST_AUTO_TEST_SUITE_END()
