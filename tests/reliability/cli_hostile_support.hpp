#pragma once

// What the hostile-input tables of the mink CLI share: a SQLite store in a
// temporary directory with a few events, a fingerprint of everything it
// stores (read with the sqlite3 API, not through mink), and the check that
// a run ended with a clear error rather than a signal.

#include <sqlite3.h>

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "../cli/cli_runner.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"

namespace mink::hostile_test {

using cli_test::contains;
using cli_test::run;
using cli_test::run_result;
using cli_test::temp_dir;

/// Runs `sql` on the SQLite file `path` with the sqlite3 API; returns every
/// value of every row, one `|`-separated line per row (BLOBs as their
/// bytes). Fails the test when the statement fails.
inline std::string sqlite_query(const std::string& path,
                                const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr)
      != SQLITE_OK) {
    sqlite3_close(db);
    BOOST_FAIL("cannot open " << path);
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(db);
    sqlite3_close(db);
    BOOST_FAIL("cannot prepare " << sql << ": " << msg);
  }
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      auto p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      out += i > 0 ? "|" : "";
      out.append(p == nullptr ? "<null>" : std::string{p, static_cast<size_t>(
                                                           sqlite3_column_bytes(
                                                             stmt, i))});
    }
    out += '\n';
  }
  sqlite3_finalize(stmt);
  std::string msg = sqlite3_errmsg(db);
  sqlite3_close(db);
  if (rc != SQLITE_DONE)
    BOOST_FAIL("cannot run " << sql << ": " << msg);
  return out;
}

/// Runs a statement that returns nothing (e.g. an UPDATE that corrupts).
inline void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite_query(path, sql);
}

/// Everything stored: the names of the tables and indexes and every row of
/// every mink table, in a fixed order.
inline std::string fingerprint(const std::string& path) {
  auto tables = sqlite_query(path, "SELECT type, name FROM sqlite_master "
                                   "ORDER BY type, name");
  std::string out = tables;
  for (auto table : {"mink_events", "mink_snapshots", "mink_commands",
                     "mink_projections", "mink_projection_dead_letters",
                     "mink_schema_migrations"})
    if (contains(tables, std::string{"|"} + table + "\n"))
      out += std::string{"-- "} + table + "\n"
             + sqlite_query(path, std::string{"SELECT * FROM "} + table
                                    + " ORDER BY 1, 2");
  return out;
}

/// A SQLite store with two streams and a projection record.
struct store_fixture {
  temp_dir dir;
  std::string db = (dir.path / "events.db").string();

  store_fixture() {
    sqlite_config cfg;
    cfg.path = db;
    auto store = sqlite_event_store::open(cfg);
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(store), "cannot open " << db);
    for (std::string stream : {"account-1", "account-2"}) {
      std::vector<event_data> events;
      for (int i = 0; i < 3; ++i) {
        event_data ev;
        ev.type = "Deposited";
        ev.data = R"({"amount":)" + std::to_string(i + 1) + "}";
        ev.meta.correlation_id = "corr";
        events.push_back(std::move(ev));
      }
      auto res = (*store)->append(stream, expected_version::any(),
                                  std::move(events));
      BOOST_REQUIRE(static_cast<bool>(res));
    }
  }

  /// Runs `mink --sqlite <db> args...`.
  run_result mink(std::vector<std::string> args,
                  const std::string& stdin_file = {}) {
    args.insert(args.begin(), {"--sqlite", db});
    return run(args, {}, stdin_file);
  }
};

/// Checks that a run ended by itself with `code` and, unless it succeeded,
/// with one message on stderr (`mink: ...`) that contains each of `says`.
inline void check_clear_error(const run_result& r, int code,
                              const std::vector<std::string>& says) {
  BOOST_CHECK_MESSAGE(r.exit_code == code,
                      "exit " << r.exit_code << ", expected " << code
                              << "\nstdout: " << r.out.substr(0, 2000)
                              << "\nstderr: " << r.err.substr(0, 2000));
  BOOST_CHECK_MESSAGE(r.exit_code >= 0 && r.exit_code < 128,
                      "ended by signal " << r.exit_code - 128);
  if (code != 0)
    BOOST_CHECK_MESSAGE(r.err.rfind("mink: ", 0) == 0,
                        "stderr does not start with 'mink: ': "
                          << r.err.substr(0, 2000));
  BOOST_CHECK_MESSAGE(!contains(r.err, "unexpected error"),
                      "an exception escaped: " << r.err.substr(0, 2000));
  for (const auto& part : says)
    BOOST_CHECK_MESSAGE(contains(r.err, part),
                        "stderr lacks '" << part.substr(0, 80)
                                         << "': " << r.err.substr(0, 2000));
}

} // namespace mink::hostile_test
