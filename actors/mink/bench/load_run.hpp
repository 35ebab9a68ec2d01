#pragma once

// Drives commands of a user's own deciders through a running mink (its
// command client) and measures what they get: the load-runner core of
// mink::bench.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "mink/actors/command_client.hpp"
#include "mink/bench/latency_histogram.hpp"
#include "mink/command/command.hpp"

namespace mink::bench {

/// How a load run sends commands.
struct load_config {
  /// Closed loop (`rate` 0): this many commands in flight, the next sent
  /// when one is answered. Open loop: at most this many in flight; a
  /// command due while all are taken waits, and its wait counts.
  size_t in_flight = 64;
  /// Open loop when positive (0.001 to 1e9): commands per second, sent
  /// when due, each one's latency counted from the moment it was due (so
  /// a stall is not hidden: no coordinated omission).
  double rate = 0;
  /// How long the measured part lasts.
  std::chrono::milliseconds duration{10000};
  /// Sent before the measured part; not counted.
  std::chrono::milliseconds warmup{0};
  /// When positive, the measured part ends after this many commands
  /// instead (`duration` is then ignored).
  uint64_t count = 0;
  /// The length of one sample of the series (throughput and latency over
  /// time) and how often `on_progress` is called.
  std::chrono::milliseconds interval{1000};
  /// Called once per `interval` of the measured part, with the interval
  /// just closed, on the thread of the answer that closed it (must not
  /// block long): for a live progress line.
  std::function<void(const struct interval_sample&)> on_progress;
};

/// One interval of a load run's measured part.
struct interval_sample {
  /// The interval's end, in seconds since the measured part began.
  double at = 0;
  /// Seconds the interval lasted.
  double seconds = 0;
  /// Commands answered in the interval: succeeded, failed.
  uint64_t ok = 0;
  uint64_t failed = 0;
  /// Latency percentiles of the interval's answers in ns (0 when none).
  int64_t p50 = 0;
  int64_t p90 = 0;
  int64_t p99 = 0;
  int64_t max = 0;
  /// Totals of the measured part so far.
  uint64_t total_ok = 0;
  uint64_t total_failed = 0;

  /// Answers per second in the interval.
  [[nodiscard]] double rate() const {
    return seconds > 0 ? static_cast<double>(ok + failed) / seconds : 0;
  }
};

/// Makes the n-th command of a run (n from 0, warm-up included). Called
/// from one thread at a time.
using command_generator = std::function<command_envelope(uint64_t n)>;

/// How an operation ended.
struct op_outcome {
  /// None when it succeeded.
  caf::error error;
  /// What the report counts a failure under; empty: `error_kind(error)`
  /// (e.g. `HTTP 503 overloaded` for a failure that is not a mink error).
  std::string kind;
};

/// Called once when an operation is over, from any thread.
using operation_done = std::function<void(op_outcome)>;

/// Starts the n-th operation of a run (a command, a read, or anything the
/// workload measures) and calls `done` once when it is over, from any
/// thread. Called from one thread at a time; must not block.
using operation = std::function<void(uint64_t n, operation_done done)>;

/// What a load run measured.
struct load_result {
  /// Latency in nanoseconds of every measured command, answered or not.
  latency_histogram latency;
  /// Measured commands that succeeded.
  uint64_t ok = 0;
  /// Measured commands that failed, by kind: mink's error code name (e.g.
  /// `wrong_expected_version`), else `<category>:<code>` (a business rule).
  std::map<std::string, uint64_t> errors;
  /// The measured part's length in seconds (until its last answer).
  double seconds = 0;
  /// Throughput and latency per `load_config::interval` (a last part
  /// shorter than half an interval is left out).
  std::vector<interval_sample> series;

  /// Answered commands per second.
  [[nodiscard]] double rate() const {
    return seconds > 0 ? static_cast<double>(latency.count()) / seconds : 0;
  }
};

/// Runs `next` against `client` as `cfg` says and waits until every
/// command sent has been answered. Fails with `invalid_argument` for an
/// empty generator, no in-flight room, a negative rate or a duration that
/// is not positive, and with `handler_failed` when the generator throws
/// (after the commands sent before are answered).
[[nodiscard]] caf::expected<load_result>
run_load(const command_client& client, command_generator next,
         load_config cfg);

/// Like `run_load`, for operations that are not only commands: the n-th
/// is `start(n, done)`. Fails as `run_load` does (`handler_failed` when
/// `start` throws).
[[nodiscard]] caf::expected<load_result> run_operations(operation start,
                                                        load_config cfg);

/// The operation that sends `next(n)` through `client`.
[[nodiscard]] operation command_operation(const command_client& client,
                                          command_generator next);

/// The kind under which `run_load` counts an error.
[[nodiscard]] std::string error_kind(const caf::error& err);

} // namespace mink::bench
