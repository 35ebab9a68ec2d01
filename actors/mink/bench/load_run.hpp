#pragma once

// Drives commands of a user's own deciders through a running mink (its
// command client) and measures what they get: the load-runner core of
// mink::bench.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

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
  /// Open loop when positive: commands per second, sent when due, each
  /// one's latency counted from the moment it was due (so a stall is
  /// not hidden: no coordinated omission).
  double rate = 0;
  /// How long the measured part lasts.
  std::chrono::milliseconds duration{10000};
  /// Sent before the measured part; not counted.
  std::chrono::milliseconds warmup{0};
};

/// Makes the n-th command of a run (n from 0, warm-up included). Called
/// from one thread at a time.
using command_generator = std::function<command_envelope(uint64_t n)>;

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

/// The kind under which `run_load` counts an error.
[[nodiscard]] std::string error_kind(const caf::error& err);

} // namespace mink::bench
