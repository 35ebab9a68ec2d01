#pragma once

// The built-in workloads of mink-bench on its two domains: the bank's
// account (a decider with rules and a state) and a ledger (one event per
// command, of a chosen size).

#include <memory>

#include <caf/expected.hpp>

#include "mink/bench/benchmark.hpp"
#include "options.hpp"

namespace mink_bench {

/// A workload ready for `mink::bench::run_benchmark`, with its registry.
struct prepared_workload {
  mink::bench::workload work;
  std::shared_ptr<const mink::event_registry> registry;
};

/// The workload that `opt` names (domain, workload, aggregates, ...).
/// Fails with `invalid_argument` naming an unknown domain or workload or a
/// bad number.
[[nodiscard]] caf::expected<prepared_workload>
make_workload(const options& opt);

} // namespace mink_bench
