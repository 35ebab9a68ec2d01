// The service as a separate process: killed in the middle of a transfer
// (right after the debit, before the transfer records it) and restarted,
// the transfer completes with the debit taken once; killed with SIGKILL
// under load, every transfer still completes or compensates with no money
// created or lost; SIGTERM shuts it down with exit status 0.

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <cstdio>
#include <random>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http_fixture.hpp"

extern char** environ;

using namespace bank_test;

namespace {

/// A bank process started from the built binary.
struct process {
  pid_t pid = -1;
  int port = 0;

  /// Starts the binary with `env` added to this process's environment;
  /// reads the port it prints.
  static process start(const std::map<std::string, std::string>& env) {
    process p;
    int fds[2];
    BOOST_REQUIRE_EQUAL(::pipe(fds), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    std::vector<std::string> vars;
    for (auto e = environ; *e != nullptr; ++e)
      if (std::string{*e}.rfind("BANK_", 0) != 0)
        vars.emplace_back(*e);
    for (const auto& [k, v] : env)
      vars.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& v : vars)
      envp.push_back(v.data());
    envp.push_back(nullptr);
    std::string bin = BANK_BINARY;
    char* argv[] = {bin.data(), nullptr};
    auto rc = posix_spawn(&p.pid, bin.c_str(), &fa, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    BOOST_REQUIRE_EQUAL(rc, 0);
    // "listening on http://127.0.0.1:PORT"
    std::string line;
    char ch = 0;
    while (::read(fds[0], &ch, 1) == 1 && ch != '\n')
      line += ch;
    ::close(fds[0]);
    auto colon = line.rfind(':');
    BOOST_REQUIRE_MESSAGE(line.rfind("listening on", 0) == 0
                            && colon != std::string::npos,
                          "unexpected first line: " << line);
    p.port = std::stoi(line.substr(colon + 1));
    return p;
  }

  /// Waits for the process; returns its exit status, or 128 + signal.
  int wait() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    if (WIFEXITED(status))
      return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }
};

std::map<std::string, std::string> env_of(const std::string& schema) {
  return {{"BANK_POSTGRES", pg_conninfo()},
          {"BANK_POSTGRES_SCHEMA", schema},
          {"BANK_PORT", "0"},
          {"BANK_THREADS", "2"},
          {"BANK_LOG_LEVEL", "warn"}};
}

struct schema_guard {
  std::string name;
  explicit schema_guard(std::string n) : name(std::move(n)) {
    pg_exec("DROP SCHEMA IF EXISTS " + name + " CASCADE");
  }
  ~schema_guard() {
    pg_exec("DROP SCHEMA IF EXISTS " + name + " CASCADE");
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(http_crash)

BOOST_AUTO_TEST_CASE(a_crash_after_the_debit_completes_after_restart) {
  schema_guard schema{unique_schema("crash1")};
  auto env = env_of(schema.name);
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
  auto q = process::start(env_of(schema.name));
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
  auto p = process::start(env_of(schema.name));
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
  auto q = process::start(env_of(schema.name));
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
