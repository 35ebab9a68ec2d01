// Backups of a running bank, restored and proven: a PostgreSQL `pg_dump`
// and SQLite online copies (the backup API's `.backup`, and `VACUUM
// INTO`), each taken while deposits and transfers run, then restored and served by a new bank process. The
// restored bank keeps dense positions, every command acknowledged before
// the backup started (its retry is answered with its first result),
// applies every later command once when it is retried (docs/production.md:
// how command records bound what a retry repeats), balances its books once
// its saga finishes the transfers in flight, and its read models equal a
// rebuild from the events (`mink projections rebuild --wait`). And
// PostgreSQL's point-in-time recovery: a base backup and archived WAL,
// recovered to a named restore point taken under load, on servers of the
// test's own.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "http_fixture.hpp"
#include "mink/uuid.hpp"
#include "../cli/cli_runner.hpp"
#include "../support/bank_process.hpp"
#include "../support/eventually.hpp"
#include "../support/pg_own_server.hpp"

using namespace bank_test;

namespace backup_test {

using process = mink::test_support::bank_process;

constexpr int accounts = 20;
constexpr int64_t opening_deposit = 1000;

/// Runs `program args...` (a name in PATH) and requires it to succeed;
/// returns what it printed.
std::string run_ok(const std::string& program,
                   const std::vector<std::string>& args) {
  auto res = mink::cli_test::run_program(program, args);
  BOOST_REQUIRE_MESSAGE(res.exit_code == 0, program << " exited with "
                                                    << res.exit_code << ": "
                                                    << res.err << res.out);
  return res.out;
}

/// A deposit the service acknowledged: its key and its first answer.
struct ack {
  std::string key;
  std::string account;
  int64_t position = 0;
};

/// Deposits of 1, each with an `Idempotency-Key`, and transfers of 1
/// between the accounts, from two threads until stopped.
class bank_load {
public:
  explicit bank_load(int port) : port_(port) {
    threads_.emplace_back([this] { deposits(); });
    threads_.emplace_back([this] { transfers(); });
  }

  ~bank_load() { stop(); }

  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
  }

  /// The deposits acknowledged so far, in the order of their answers.
  std::vector<ack> acks() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return acks_;
  }

  size_t ack_count() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return acks_.size();
  }

  int transfers_accepted() const { return transfers_; }

  /// Whether a deposit stayed unanswered after 100 tries (its outcome is
  /// unknown, so the books cannot be checked).
  bool unanswered() const { return unanswered_; }

private:
  void deposits() {
    client c{"127.0.0.1", port_};
    std::mt19937 rng{7};
    while (!stop_) {
      auto account = "b" + std::to_string(rng() % accounts);
      auto key = mink::make_uuid();
      // As a client should: a deposit without an answer (a timeout, 503)
      // may have committed, so it is repeated with its key until answered.
      answer res;
      for (int tries = 0; tries < 100 && res.status != 200; ++tries)
        res = c.post("/accounts/" + account + "/deposit", R"({"amount":1})",
                     {{"Idempotency-Key", key}});
      if (res.status != 200) {
        unanswered_ = true;
        return;
      }
      std::lock_guard<std::mutex> guard{mtx_};
      acks_.push_back({key, account, res.num("position")});
    }
  }

  void transfers() {
    client c{"127.0.0.1", port_};
    std::mt19937 rng{13};
    while (!stop_) {
      auto from = rng() % accounts;
      auto to = (from + 1 + rng() % (accounts - 1)) % accounts;
      auto res = c.post("/transfers", R"({"from":"b)" + std::to_string(from)
                                         + R"(","to":"b)" + std::to_string(to)
                                         + R"(","amount":1})");
      if (res.status == 202)
        ++transfers_;
    }
  }

  int port_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> unanswered_{false};
  std::atomic<int> transfers_{0};
  mutable std::mutex mtx_;
  std::vector<ack> acks_;
  std::vector<std::thread> threads_;
};

/// Opens the accounts with their opening deposits.
void open_accounts(client& c) {
  for (int i = 0; i < accounts; ++i) {
    auto id = "b" + std::to_string(i);
    BOOST_REQUIRE_EQUAL(
      c.post("/accounts", R"({"owner":"o","id":")" + id + R"("})").status, 201);
    BOOST_REQUIRE_EQUAL(c.post("/accounts/" + id + "/deposit",
                               R"({"amount":)" + std::to_string(opening_deposit)
                                 + "}")
                          .status,
                        200);
  }
}

/// What `backup_under_load` saw.
struct loaded {
  /// The deposits acknowledged, in the order of their answers.
  std::vector<ack> acks;
  /// For each backup, how many deposits were acknowledged before it
  /// started, and before it returned.
  std::vector<size_t> before;
  std::vector<size_t> after;
};

/// Runs load on the bank behind `c` while each of `backups` runs, one
/// after the other.
loaded backup_under_load(client& c, int port,
                         const std::vector<std::function<void()>>& backups) {
  open_accounts(c);
  bank_load load{port};
  BOOST_REQUIRE(mink::test_support::eventually(
    [&] { return load.ack_count() >= 300 && load.transfers_accepted() >= 50; },
    std::chrono::seconds{60}));
  loaded out;
  auto& before = out.before;
  for (const auto& backup : backups) {
    before.push_back(load.ack_count());
    backup();
    out.after.push_back(load.ack_count());
    // Commands acknowledged after the backup, which it lacks.
    BOOST_REQUIRE(mink::test_support::eventually(
      [&] { return load.ack_count() >= out.after.back() + 100; },
      std::chrono::seconds{60}));
  }
  load.stop();
  BOOST_REQUIRE(!load.unanswered());
  BOOST_TEST_MESSAGE(before.front() << " deposits acknowledged before the "
                                       "first backup, "
                                    << load.ack_count() << " in all; "
                                    << load.transfers_accepted()
                                    << " transfers");
  out.acks = load.acks();
  return out;
}

/// Everything the read models say: each account and the totals.
std::string read_models(client& c) {
  auto at = "?position=" + std::to_string(c.head());
  std::string out;
  for (int i = 0; i < accounts; ++i)
    out += c.get("/accounts/b" + std::to_string(i) + at).body + "\n";
  return out + c.get("/total" + at).body;
}

/// The checks of a restored bank behind `c`: deposits `acks[0..before)`
/// must be in the backup, `acks[absent..]` must not; `store` are the
/// options of the `mink` CLI that name its store, `dense` tells whether
/// its positions are dense.
void check_restored(client& c, const std::vector<ack>& acks, size_t before,
                    size_t absent, const std::function<bool()>& dense,
                    const std::vector<std::string>& store) {
  BOOST_TEST(dense());
  auto restored_head = c.head();
  // Every deposit acknowledged before the backup began is there: its
  // retry is answered with its first result and writes nothing.
  size_t missing = 0;
  size_t present = 0;
  size_t in_backup = 0;
  size_t ran_again = 0;
  for (size_t i = 0; i < acks.size(); ++i) {
    auto res = c.post("/accounts/" + acks[i].account + "/deposit",
                      R"({"amount":1})", {{"Idempotency-Key", acks[i].key}});
    BOOST_REQUIRE_EQUAL(res.status, 200);
    // In the backup: answered with its first position, which the restored
    // store holds. A deposit that runs again lands above the restored head,
    // possibly on its old position by chance, so equality alone cannot
    // tell the two apart.
    auto kept = res.num("position") == acks[i].position
                && acks[i].position <= restored_head;
    if (kept)
      ++in_backup;
    else if (res.num("position") > restored_head)
      ++ran_again; // not in the backup: applied now, once
    if (i < before && !kept)
      ++missing;
    if (i >= absent && kept)
      ++present;
  }
  BOOST_TEST(missing == 0u);
  BOOST_TEST(present == 0u);
  BOOST_TEST(in_backup + ran_again == acks.size());
  BOOST_TEST_MESSAGE(in_backup << " retried deposits were in the backup, "
                               << ran_again << " ran again");
  BOOST_TEST(dense());
  // The books balance once the saga has finished the transfers that were
  // in flight when the backup was taken; every deposit counts once.
  BOOST_REQUIRE(mink::test_support::eventually(
    [&] {
      auto t = c.get("/total?position=" + std::to_string(c.head()));
      return t.num("in_transit") == 0;
    },
    std::chrono::seconds{60}));
  auto total = c.get("/total?position=" + std::to_string(c.head()));
  auto expected = accounts * opening_deposit + static_cast<int64_t>(acks.size());
  BOOST_TEST(total.num("deposits") == expected, total.body);
  BOOST_TEST(total.num("total") == expected);
  BOOST_TEST(total.num("sum_of_balances") == expected);
  // The read models equal a replay of the events.
  auto served = read_models(c);
  BOOST_TEST(served.find(R"("id":"b19")") != std::string::npos, served);
  for (auto name : {"bank_accounts", "bank_totals", "bank_transfers"}) {
    auto args = store;
    args.insert(args.end(),
                {"projections", "rebuild", name, "--wait", "--timeout", "120"});
    auto res = mink::cli_test::run(args);
    BOOST_TEST(res.exit_code == 0, name << ": " << res.err << res.out);
  }
  BOOST_TEST(read_models(c) == served);
}

} // namespace backup_test

using namespace backup_test;

BOOST_AUTO_TEST_SUITE(http_backup)

BOOST_AUTO_TEST_CASE(pg_dump_under_load_restores_a_bank_that_holds) {
  schema_guard schema{unique_schema("backup")};
  auto dump = std::filesystem::temp_directory_path()
              / ("mink-backup-" + std::to_string(::getpid()) + ".dump");
  auto db = "bank_restore_" + std::to_string(::getpid());
  pg_exec("DROP DATABASE IF EXISTS " + db);
  auto a = process::start(process_env(schema.name));
  client ca{"127.0.0.1", a.port};
  auto load = backup_under_load(ca, a.port, {[&] {
    run_ok("pg_dump", {"-Fc", "-n", schema.name, "-f", dump.string(), "-d",
                       pg_conninfo()});
  }});
  BOOST_TEST(a.terminate() == 0);
  // Restored into a new database; a new bank serves it.
  pg_exec("CREATE DATABASE " + db);
  auto restored = pg_conninfo() + " dbname=" + db;
  run_ok("pg_restore", {"--no-owner", "-d", restored, dump.string()});
  {
    auto b = process::start(process_env(schema.name, restored));
    client cb{"127.0.0.1", b.port};
    check_restored(
      cb, load.acks, load.before[0], load.acks.size(),
      [&] {
        return pg_exec_on(restored, "SELECT count(*) = max(position) FROM "
                                      + schema.name + ".events")
               == "t";
      },
      {"--pg", restored, "--schema", schema.name});
    BOOST_TEST(b.terminate() == 0);
  }
  pg_exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
  std::filesystem::remove(dump);
}

BOOST_AUTO_TEST_CASE(sqlite_online_copy_under_load_restores_a_bank_that_holds) {
  auto dir = std::filesystem::temp_directory_path()
             / ("mink-backup-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto live = (dir / "bank.db").string();
  // Two copies: SQLite's online backup API (`.backup`, page by page; it
  // starts over when the bank commits in between) and `VACUUM INTO` (one
  // read transaction).
  std::vector<std::string> copies{(dir / "backup.db").string(),
                                  (dir / "vacuum.db").string()};
  auto env_on = [](const std::string& path) {
    return std::map<std::string, std::string>{{"BANK_SQLITE_PATH", path},
                                              {"BANK_PORT", "0"},
                                              {"BANK_THREADS", "2"},
                                              {"BANK_LOG_LEVEL", "warn"}};
  };
  auto sqlite3 = [&](const std::string& db, const std::string& sql) {
    return run_ok("sqlite3", {db, sql});
  };
  auto a = process::start(env_on(live));
  client ca{"127.0.0.1", a.port};
  auto load = backup_under_load(
    ca, a.port,
    {[&] { sqlite3(live, ".backup '" + copies[0] + "'"); },
     [&] { sqlite3(live, "VACUUM INTO '" + copies[1] + "'"); }});
  BOOST_TEST(a.terminate() == 0);
  for (size_t i = 0; i < copies.size(); ++i) {
    BOOST_TEST_MESSAGE("restoring " << copies[i]);
    auto b = process::start(env_on(copies[i]));
    client cb{"127.0.0.1", b.port};
    check_restored(
      cb, load.acks, load.before[i], load.acks.size(),
      [&] {
        return sqlite3(copies[i], "SELECT count(*) = max(position) FROM "
                                  "mink_events")
               == "1\n";
      },
      {"--sqlite", copies[i]});
    BOOST_TEST(b.terminate() == 0);
  }
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(point_in_time_recovery_to_a_restore_point_under_load) {
  using mink::test_support::pg_own_server;
  BOOST_REQUIRE_MESSAGE(pg_own_server::available(),
                        "needs root and PostgreSQL 15's binaries");
  auto dir = std::filesystem::temp_directory_path()
             / ("mink-pitr-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "archive");
  run_ok("chown", {"-R", "postgres:", dir.string()});
  auto archive = (dir / "archive").string();
  auto base = (dir / "base").string();
  pg_own_server primary{"wal_level = replica\narchive_mode = on\n"
                        "archive_command = 'cp %p "
                        + archive + "/%f'\n"};
  BOOST_REQUIRE(primary.ok());
  auto schema = std::string{"bank_pitr"};
  auto a = process::start(process_env(schema, primary.conninfo()));
  client ca{"127.0.0.1", a.port};
  auto load = backup_under_load(
    ca, a.port,
    {[&] {
       run_ok("runuser", {"-u", "postgres", "--", "pg_basebackup", "-h",
                          "127.0.0.1", "-p", std::to_string(primary.port()),
                          "-U", "postgres", "-X", "stream", "-c", "fast",
                          "-D", base});
     },
     [&] {
       BOOST_REQUIRE(!pg_exec_on(primary.conninfo(),
                          "SELECT pg_create_restore_point('mink-drill')")
                        .empty());
     }});
  BOOST_TEST(a.terminate() == 0);
  // The WAL past the restore point reaches the archive.
  auto segment = pg_exec_on(primary.conninfo(),
                     "SELECT pg_walfile_name(pg_switch_wal())");
  BOOST_REQUIRE(mink::test_support::eventually(
    [&] {
      return pg_exec_on(primary.conninfo(),
                 "SELECT last_archived_wal >= '" + segment
                   + "' FROM pg_stat_archiver")
             == "t";
    },
    std::chrono::seconds{60}));
  pg_own_server recovered{pg_own_server::from_base_backup{base},
                          "restore_command = 'cp " + archive + "/%f %p'\n"
                          "recovery_target_name = 'mink-drill'\n"
                          "recovery_target_action = 'promote'\n"};
  BOOST_REQUIRE(recovered.ok());
  BOOST_REQUIRE(mink::test_support::eventually(
    [&] {
      return pg_exec_on(recovered.conninfo(), "SELECT pg_is_in_recovery()")
             == "f";
    },
    std::chrono::seconds{60}));
  {
    auto b = process::start(process_env(schema, recovered.conninfo()));
    client cb{"127.0.0.1", b.port};
    // Recovered to the restore point: what was acknowledged before it is
    // there, and what was sent after it is not. (With one deposit thread,
    // the deposit answered first after the point was taken may have
    // committed before it; every later one was sent after it.)
    check_restored(
      cb, load.acks, load.before[1], load.after[1] + 1,
      [&] {
        return pg_exec_on(recovered.conninfo(),
                          "SELECT count(*) = max(position) FROM " + schema
                            + ".events")
               == "t";
      },
      {"--pg", recovered.conninfo(), "--schema", schema});
    BOOST_TEST(b.terminate() == 0);
  }
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
