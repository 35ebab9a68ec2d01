#pragma once

// The outcome of one benchmark run as a value: what was run, with what
// parameters, on which machine, and everything measured. It is written as
// JSON (for machines and for `mink-bench compare`) and as HTML
// (`html_report.hpp`).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "mink/bench/latency_histogram.hpp"
#include "mink/bench/load_run.hpp"
#include "mink/bench/resource_usage.hpp"

namespace mink::bench {

/// Latency percentiles in ns, and the distribution in log-spaced bins.
struct latency_summary {
  uint64_t count = 0;
  int64_t min = 0;
  int64_t p50 = 0;
  int64_t p90 = 0;
  int64_t p99 = 0;
  int64_t p999 = 0;
  int64_t max = 0;
  double mean = 0;
  /// Bins of ten per decade: values up to `upper` ns (above the previous
  /// bin's), only those that counted something.
  struct bin {
    int64_t upper = 0;
    uint64_t count = 0;
  };
  std::vector<bin> distribution;
};

/// Summarises `h` (every recording, no sampling).
[[nodiscard]] latency_summary summarize(const latency_histogram& h);

/// How far the projections were behind, at one moment of the run.
struct lag_sample {
  /// Seconds since the measured part began.
  double at = 0;
  /// The largest lag of any projection: events, and seconds.
  int64_t events = 0;
  double seconds = 0;
};

/// A baseline measured in the same run on the same database.
struct baseline_result {
  /// E.g. `raw COPY, 1000 rows per transaction`.
  std::string name;
  uint64_t events = 0;
  double seconds = 0;

  [[nodiscard]] double rate() const {
    return seconds > 0 ? static_cast<double>(events) / seconds : 0;
  }
};

/// Everything one run measured.
struct run_report {
  /// What ran, e.g. `bank write`.
  std::string name;
  /// When it began (RFC 3339, UTC) and where: host, CPUs, CPU model.
  std::string started_at;
  std::string machine;
  /// The store, its password masked.
  std::string store;
  /// The parameters it ran with, by name (in_flight, rate, ...).
  std::map<std::string, std::string> parameters;
  /// The measured part's length in seconds.
  double seconds = 0;
  uint64_t ok = 0;
  /// Failed operations by kind (see `error_kind`).
  std::map<std::string, uint64_t> errors;
  latency_summary latency;
  /// Throughput and latency per interval.
  std::vector<interval_sample> series;
  /// Commands decided again after a conflicting write (retries), and
  /// aggregate actors spawned during the run, warm-up included (each reads its
  /// stream: a rehydration when the aggregate existed before).
  uint64_t retries = 0;
  uint64_t spawned = 0;
  /// Projection lag during the run; and the seconds after the last answer
  /// until every projection had caught up (negative: no projections).
  std::vector<lag_sample> lag;
  double catch_up_seconds = -1;
  /// CPU and memory from the end of the warm-up until the projections
  /// caught up.
  resource_use resources;
  std::vector<baseline_result> baselines;
  /// Free-form remarks (e.g. why a baseline was not run).
  std::vector<std::string> notes;

  /// Operations answered per second.
  [[nodiscard]] double rate() const;
  /// Failed operations in all.
  [[nodiscard]] uint64_t failed() const;
};

/// Fills the measured fields of `out` from `res`.
void take_load_result(run_report& out, const load_result& res);

/// The host name, CPU count and CPU model of this machine.
[[nodiscard]] std::string describe_machine();

/// The current time, RFC 3339 UTC, to the second.
[[nodiscard]] std::string utc_now();

/// The report as JSON (an object with a `format` of
/// `mink-bench-report/1`).
[[nodiscard]] std::string to_json(const run_report& r);

/// Reads a report written by `to_json`. Fails with `decode_failed`, naming
/// the field, for anything else.
[[nodiscard]] caf::expected<run_report> report_from_json(std::string_view text);

} // namespace mink::bench
