#pragma once

// One call that benchmarks a user's own deciders: it starts a mink runtime
// on a store, adds the aggregates (and projections), drives the workload's
// operations, and returns everything measured as a `run_report`.

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "mink/actors/runtime.hpp"
#include "mink/bench/load_run.hpp"
#include "mink/bench/run_report.hpp"

namespace mink::bench {

/// What a benchmark runs on the runtime it starts.
struct workload {
  /// Adds the aggregates (before the command bus starts). Required.
  std::function<caf::error(runtime&)> add_aggregates;
  /// Adds projections (after the command bus started); may be empty.
  std::function<caf::error(runtime&)> add_projections;
  /// Runs before the measured part and the warm-up, not measured (e.g.
  /// creates the aggregates); may be empty.
  std::function<caf::error(runtime&)> prepare;
  /// Makes the operation to drive once the runtime is up. Required.
  std::function<operation(runtime&)> operations;
};

/// How a benchmark runs.
struct benchmark_config {
  /// What the report calls the run.
  std::string name = "benchmark";
  /// The store URL (`memory:`, `sqlite:PATH`, `postgresql://...`).
  std::string store = "memory:";
  /// The rest of the runtime (its `store` is set from `store`).
  runtime_config runtime;
  /// Clients, rate, duration or count, warm-up.
  load_config load;
  /// A live progress line on stderr (rate, errors, p99, elapsed), once per
  /// `load.interval`.
  bool progress = true;
  /// How often the projections' lag is sampled.
  std::chrono::milliseconds lag_interval{250};
  /// How long to wait, after the last answer, for every projection to
  /// catch up.
  std::chrono::milliseconds catch_up_timeout{std::chrono::seconds{120}};
  /// Shown in the report beside the load parameters.
  std::map<std::string, std::string> parameters;
};

/// Runs `w` on a runtime started from `cfg` with `registry`. Fails with
/// the runtime's error (`invalid_argument` for a bad store URL, ...), the
/// workload's, or `run_operations`'.
[[nodiscard]] caf::expected<run_report>
run_benchmark(workload w, std::shared_ptr<const event_registry> registry,
              benchmark_config cfg);

/// Benchmarks `Decider` (declared commands, see `runtime::add_aggregate`):
/// the n-th command is `next(n)`.
template <class Decider>
[[nodiscard]] caf::expected<run_report>
benchmark(std::shared_ptr<const event_registry> registry,
          command_generator next, benchmark_config cfg = {}) {
  workload w;
  w.add_aggregates = [](runtime& rt) {
    auto added = rt.add_aggregate<Decider>();
    return added ? caf::error{} : added.error();
  };
  w.operations = [next = std::move(next)](runtime& rt) {
    return command_operation(*rt.commands(), next);
  };
  return run_benchmark(std::move(w), std::move(registry), std::move(cfg));
}

/// The load parameters of `cfg` by name, for `run_report::parameters`.
[[nodiscard]] std::map<std::string, std::string>
describe_load(const load_config& cfg);

/// A live progress line on `out` for `load_config::on_progress`: elapsed
/// seconds, rate, errors and p99 of the last interval (rewritten in place
/// on a terminal, one line per interval otherwise).
[[nodiscard]] std::function<void(const interval_sample&)>
progress_line(std::FILE* out = stderr);

/// Writes `r` as JSON to `json_path` and as HTML to `html_path` (an empty
/// path is skipped). Fails with `storage_failure` naming the file.
[[nodiscard]] caf::error write_report(const run_report& r,
                                      const std::string& json_path,
                                      const std::string& html_path);

} // namespace mink::bench
