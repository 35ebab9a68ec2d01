// What one slow inline projection costs the other writers. W writers, each
// with a store (a connection) of its own as separate processes would have,
// append one event per transaction to streams of their own for S seconds;
// then again while one more writer appends to a stream whose inline
// projection takes `--slow-ms` in SQL (pg_sleep) inside the append
// transaction, holding the position lock; then again with the inline
// deadline below that time, so that the slow appends fail instead.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <soci/soci.h>

#include "bench_pg.hpp"
#include "mink/errc.hpp"
#include "mink/projection/projection.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"

using namespace mink;
using namespace mink::bench;

namespace {

/// Sleeps `ms` in SQL for every batch of `slow-*` events.
class sleeping_projection : public sql_projection {
public:
  explicit sleeping_projection(int ms) : seconds_(ms / 1000.0) {
    // nop
  }

  std::string name() const override { return "sleeping"; }

  read_filter filter() const override { return {"slow", {}}; }

  caf::error handle(soci::session& sql,
                    const std::vector<recorded_event>&) override {
    sql << "SELECT pg_sleep(" + std::to_string(seconds_) + ")";
    return {};
  }

  caf::error clear(soci::session&) override { return {}; }

private:
  double seconds_;
};

struct writer_result {
  size_t ok = 0;
  size_t failed = 0;
  std::vector<double> latencies_ms;
};

std::unique_ptr<postgres_event_store> open_store(const std::string& conninfo,
                                                 int slow_ms,
                                                 int deadline_ms) {
  postgres_config cfg;
  cfg.conninfo = conninfo;
  cfg.schema = "inline_cost_bench";
  cfg.pool_size = 1;
  cfg.inline_deadline = std::chrono::milliseconds{deadline_ms};
  auto store = postgres_event_store::open(cfg);
  if (!store)
    die(to_text(store.error()));
  if (slow_ms > 0)
    if (auto err = (*store)->add_inline(
          std::make_shared<sleeping_projection>(slow_ms)))
      die(to_text(err));
  return std::move(*store);
}

/// Appends one event per call to `stream` until `stop`.
writer_result write_until(event_store& store, const std::string& stream,
                          const std::atomic<bool>& stop) {
  writer_result result;
  event_data ev;
  ev.type = "noted";
  ev.data = R"({"text":"a short note of about fifty bytes of payload"})";
  while (!stop.load()) {
    auto t0 = std::chrono::steady_clock::now();
    auto res = store.append(stream, expected_version::any(), {ev});
    auto ms = std::chrono::duration<double, std::milli>(
                std::chrono::steady_clock::now() - t0)
                .count();
    if (res) {
      ++result.ok;
      result.latencies_ms.push_back(ms);
    } else {
      ++result.failed;
    }
  }
  return result;
}

double percentile(std::vector<double> xs, double p) {
  if (xs.empty())
    return 0;
  std::sort(xs.begin(), xs.end());
  return xs[std::min(xs.size() - 1, static_cast<size_t>(p * xs.size()))];
}

/// One phase: `writers` fast writers, plus a slow one when `slow_ms` > 0.
void run_phase(const char* label, const std::string& conninfo, size_t writers,
               double seconds, int slow_ms, int deadline_ms) {
  std::vector<std::unique_ptr<postgres_event_store>> stores;
  // The fast writers' stores run no inline projection: they stand for
  // other services on the same database.
  for (size_t i = 0; i < writers + 1; ++i)
    stores.push_back(
      open_store(conninfo, i == writers ? slow_ms : 0, deadline_ms));
  std::atomic<bool> stop{false};
  std::vector<writer_result> results(writers + 1);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < writers; ++i)
    threads.emplace_back([&, i] {
      results[i] = write_until(*stores[i], "fast-" + std::to_string(i), stop);
    });
  if (slow_ms > 0)
    threads.emplace_back([&] {
      results[writers] = write_until(*stores[writers], "slow-1", stop);
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads)
    t.join();
  size_t fast_ok = 0;
  std::vector<double> fast_lat;
  for (size_t i = 0; i < writers; ++i) {
    fast_ok += results[i].ok;
    fast_lat.insert(fast_lat.end(), results[i].latencies_ms.begin(),
                    results[i].latencies_ms.end());
  }
  auto& slow = results[writers];
  std::printf("%-34s fast writers: %8.0f commits/s  p50 %6.2f ms  p99 %7.2f ms"
              "  max %7.2f ms | slow writer: %5.1f commits/s, %zu failed\n",
              label, fast_ok / seconds, percentile(fast_lat, 0.5),
              percentile(fast_lat, 0.99), percentile(fast_lat, 1.0),
              slow.ok / seconds, slow.failed);
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Cost of one slow inline projection to the other writers"};
  std::string conninfo;
  add_pg_option(app, conninfo);
  size_t writers = 4;
  double seconds = 5;
  int slow_ms = 50;
  int short_deadline_ms = 20;
  app.add_option("--writers", writers, "fast writers (own connections)");
  app.add_option("--seconds", seconds, "length of each phase");
  app.add_option("--slow-ms", slow_ms, "time the slow projection takes");
  app.add_option("--short-deadline-ms", short_deadline_ms,
                 "inline deadline of the third phase (below --slow-ms)");
  CLI11_PARSE(app, argc, argv);
  if (conninfo.empty())
    die("no PostgreSQL: set MINK_TEST_PG or pass --pg");
  std::printf("%zu fast writers, one event per append, %.0f s per phase\n",
              writers, seconds);
  run_phase("no inline projection", conninfo, writers, seconds, 0, 500);
  auto slow = "slow inline projection " + std::to_string(slow_ms) + " ms";
  run_phase(slow.c_str(), conninfo, writers, seconds, slow_ms, 500);
  auto cut = slow + ", deadline " + std::to_string(short_deadline_ms) + " ms";
  run_phase(cut.c_str(), conninfo, writers, seconds, slow_ms,
            short_deadline_ms);
  return 0;
}
