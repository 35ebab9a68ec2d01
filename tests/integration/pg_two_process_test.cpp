// Two processes (not threads) append to overlapping streams of one
// PostgreSQL database. Afterwards every stream is gapless, global positions
// are dense, and every write a process was told succeeded is stored while
// every write it was told conflicted is not.

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <libpq-fe.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/uuid.hpp"
#include "../support/pg_test_env.hpp"

using namespace mink;
using namespace mink::test_support;

namespace {

constexpr int writers = 2;
constexpr int iterations = 150;
constexpr int stream_count = 4;

postgres_config config(const std::string& schema) {
  return pg_test_config(schema, 1);
}

/// The writer process: reads a stream's version, waits a little (so the
/// other writer can get in between), then appends to that stream and one
/// more with exact expected versions. Logs every outcome to `log_path`:
///   ok <stream> <version> <event_id>:<position>...
///   conflict <stream> <event_id>...
///   error <stream> <text>
int run_writer(int id, const std::string& schema, const std::string& log_path,
               int start_fd) {
  char go;
  if (read(start_fd, &go, 1) < 0)
    return 3;
  auto store = postgres_event_store::open(config(schema));
  if (!store)
    return 2;
  std::ofstream log{log_path};
  std::mt19937 rng{static_cast<unsigned>(id * 7919 + getpid())};
  for (int i = 0; i < iterations; ++i) {
    std::vector<stream_append> batch;
    auto first = static_cast<int>(rng() % stream_count);
    for (auto s : {first, (first + 1) % stream_count}) {
      stream_append sa;
      sa.stream_id = "account-" + std::to_string(s);
      auto info = (*store)->stream_info(sa.stream_id);
      if (!info)
        return 4;
      sa.expected = expected_version::exact(info->version);
      auto n = 1 + rng() % 3;
      for (size_t k = 0; k < n; ++k) {
        event_data ev;
        ev.event_id = make_uuid();
        ev.type = "Deposited";
        ev.data = R"({"writer":)" + std::to_string(id) + "}";
        sa.events.push_back(std::move(ev));
      }
      batch.push_back(std::move(sa));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
    auto results = (*store)->append(batch);
    for (size_t j = 0; j < batch.size(); ++j) {
      const auto& sa = batch[j];
      if (results[j]) {
        log << "ok " << sa.stream_id << ' ' << results[j]->version;
        for (size_t k = 0; k < sa.events.size(); ++k)
          log << ' ' << sa.events[k].event_id << ':'
              << results[j]->positions[k];
      } else if (code_of(results[j].error())
                 == errc::wrong_expected_version) {
        log << "conflict " << sa.stream_id;
        for (const auto& ev : sa.events)
          log << ' ' << ev.event_id;
      } else {
        log << "error " << sa.stream_id << ' ' << to_text(results[j].error());
      }
      log << '\n';
    }
  }
  return log.good() ? 0 : 5;
}

} // namespace

/// The shared schema and the writers' logs, removed however the test ends.
struct two_process_fixture {
  std::string schema = "two_process_" + std::to_string(getpid());
  std::string dir = std::string{"/tmp/mink-two-process-"}
                    + std::to_string(getpid());
  two_process_fixture() { std::filesystem::create_directories(dir); }
  ~two_process_fixture() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    pg_test_drop_schema(schema);
  }

  /// One round: both writers, released at once; adds what they were told.
  /// Forks before this process opens any connection or thread.
  void run_round(int round, std::map<std::string, int64_t>& told_ok,
                 std::set<std::string>& told_conflict, size_t& conflicts) {
    int start_pipe[2];
    BOOST_REQUIRE(pipe(start_pipe) == 0);
    std::vector<pid_t> children;
    auto log_of = [&](int w) {
      return dir + "/writer" + std::to_string(w) + "-" + std::to_string(round);
    };
    for (int w = 0; w < writers; ++w) {
      auto pid = fork();
      BOOST_REQUIRE(pid >= 0);
      if (pid == 0) {
        close(start_pipe[1]);
        _exit(run_writer(w, schema, log_of(w), start_pipe[0]));
      }
      children.push_back(pid);
    }
    close(start_pipe[0]);
    // Closing the pipe releases both writers at once.
    close(start_pipe[1]);
    for (auto pid : children) {
      int status = 0;
      BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
      BOOST_REQUIRE_MESSAGE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                            "writer process failed, status " << status);
    }
    for (int w = 0; w < writers; ++w) {
      std::ifstream in{log_of(w)};
      std::string line;
      while (std::getline(in, line)) {
        std::istringstream words{line};
        std::string kind, stream, token;
        words >> kind >> stream;
        BOOST_REQUIRE_MESSAGE(kind != "error", line);
        if (kind == "ok") {
          int64_t version;
          words >> version;
          while (words >> token) {
            auto colon = token.find(':');
            told_ok.emplace(token.substr(0, colon),
                            std::stoll(token.substr(colon + 1)));
          }
        } else {
          ++conflicts;
          while (words >> token)
            told_conflict.insert(token);
        }
      }
    }
  }
};

BOOST_FIXTURE_TEST_CASE(two_processes_append_to_overlapping_streams,
                        two_process_fixture) {
  // What the writers were told.
  std::map<std::string, int64_t> told_ok; // event id -> position
  std::set<std::string> told_conflict;
  size_t conflicts = 0;
  // Rounds until the writers did contend (a conflict: only the other writer
  // can cause one), at most 20: a loaded machine may run one writer's round
  // before the other's starts, but not twenty times.
  int rounds = 0;
  while (conflicts == 0 && rounds < 20) {
    ++rounds;
    run_round(rounds, told_ok, told_conflict, conflicts);
  }
  BOOST_TEST_MESSAGE(told_ok.size() << " events told ok, " << conflicts
                                    << " stream appends told conflict, in "
                                    << rounds << " rounds");
  BOOST_TEST(conflicts > 0u); // the writers did contend
  // What the store holds.
  auto store = postgres_event_store::open(config(schema));
  BOOST_REQUIRE_MESSAGE(store, (store ? "" : to_text(store.error())));
  auto all = (*store)->read_all(1, 1000000);
  BOOST_REQUIRE(all);
  auto last = (*store)->last_position();
  BOOST_REQUIRE(last);
  BOOST_TEST(static_cast<int64_t>(all->size()) == *last);
  std::map<std::string, int64_t> versions;
  for (size_t i = 0; i < all->size(); ++i) {
    const auto& ev = (*all)[i];
    BOOST_TEST(ev.global_position == static_cast<int64_t>(i + 1)); // dense
    BOOST_TEST(ev.stream_version == ++versions[ev.stream_id]);     // gapless
    auto told = told_ok.find(ev.event_id);
    BOOST_TEST((told != told_ok.end() && told->second == ev.global_position),
               "event " << ev.event_id << " stored but not reported ok");
    BOOST_TEST(told_conflict.count(ev.event_id) == 0u);
  }
  BOOST_TEST(all->size() == told_ok.size());
}
