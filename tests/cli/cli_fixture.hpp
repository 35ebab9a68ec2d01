#pragma once

// A SQLite database in a temporary directory and helpers to fill it.

#include <boost/test/unit_test.hpp>

#include "cli_runner.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"

namespace mink::cli_test {

struct sqlite_fixture {
  temp_dir dir;
  std::string db = (dir.path / "sub" / "events.db").string();

  sqlite_config config() const {
    sqlite_config cfg;
    cfg.path = db;
    return cfg;
  }

  std::unique_ptr<sqlite_event_store> open_store() {
    auto store = sqlite_event_store::open(config());
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(store), "cannot open " << db);
    return std::move(*store);
  }

  /// Runs `mink --sqlite <db> args...`.
  run_result mink(std::vector<std::string> args) {
    args.insert(args.begin(), {"--sqlite", db});
    return run(args);
  }

  /// Appends `n` events of `type` with metadata to `stream`.
  void append(event_store& store, const std::string& stream, int n,
              const std::string& type = "deposited") {
    std::vector<event_data> events;
    for (int i = 0; i < n; ++i) {
      event_data ev;
      ev.type = type;
      ev.data = R"({"amount": )" + std::to_string(i + 1) + "}";
      ev.meta.correlation_id = "corr-" + stream;
      ev.meta.custom["source"] = "cli test";
      events.push_back(std::move(ev));
    }
    auto res = store.append(stream, expected_version::any(),
                            std::move(events));
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(res), "append to " << stream);
  }
};

/// Checks a run's exit code, printing its output when it differs.
/// Evaluates `expr` once (Boost builds the message even when the check
/// passes, which would run the command a second time).
#define CLI_CHECK_EXIT(expr, code)                                            \
  do {                                                                        \
    auto&& cli_res_ = (expr);                                                 \
    BOOST_CHECK_MESSAGE(cli_res_.exit_code == (code),                         \
                        "exit " << cli_res_.exit_code << ", expected "        \
                                << (code) << "\nstdout: " << cli_res_.out    \
                                << "\nstderr: " << cli_res_.err);            \
  } while (false)

} // namespace mink::cli_test
