#pragma once

// What `mink-bench run` and `mink-bench http` are told on the command line.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "mink/bench/load_run.hpp"

namespace mink_bench {

struct options {
  /// bank or ledger.
  std::string domain = "ledger";
  /// write, mixed, hot or cold.
  std::string workload = "write";
  std::string store = "memory:";
  size_t in_flight = 64;
  /// Operations per second; 0 = closed loop.
  double rate = 0;
  /// Aggregates the operations spread over; 0 = the workload's default
  /// (write and mixed 10 000, hot 20, cold 50 000).
  size_t aggregates = 0;
  double duration = 10;
  /// Operations in the measured part; 0 = run for `duration`.
  uint64_t count = 0;
  double warmup = 1;
  /// Bytes of text per ledger note.
  size_t payload = 200;
  bool projections = false;
  /// mixed: the share of operations that are reads.
  double read_ratio = 0.5;
  /// cold: events each aggregate has before the measured part, and the
  /// live actors the routers keep at most.
  size_t events_per_aggregate = 2;
  size_t max_alive = 1000;
  bool baselines = false;
  uint64_t baseline_events = 100000;
  std::string json;
  std::string html;
  bool quiet = false;
  /// http: the base URL of a running bank service.
  std::string url = "http://127.0.0.1:8080";

  /// The aggregates the workload spreads over (the default filled in).
  [[nodiscard]] size_t aggregates_or_default() const {
    if (aggregates > 0)
      return aggregates;
    if (workload == "hot")
      return 20;
    if (workload == "cold")
      return 50000;
    return 10000;
  }

  /// The load runner's configuration: in flight, rate, count or duration,
  /// warm-up (no progress line).
  [[nodiscard]] mink::bench::load_config load() const {
    mink::bench::load_config cfg;
    cfg.in_flight = in_flight;
    cfg.rate = rate;
    cfg.count = count;
    cfg.duration = std::chrono::milliseconds{static_cast<int64_t>(duration * 1000)};
    cfg.warmup = std::chrono::milliseconds{static_cast<int64_t>(warmup * 1000)};
    return cfg;
  }
};

} // namespace mink_bench
