#pragma once

// What the actor benchmarks' load generators share: the message that starts
// a run and the summary it answers with.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "mink/errc.hpp"

namespace mink::bench {

/// Starts a load generator; it answers with a `load_summary` when done.
using run_atom = caf::atom_constant<caf::atom("b_run")>;

/// The outcome of a load run.
struct load_summary {
  size_t ok = 0;
  size_t failed = 0;
  std::string first_error;
  double seconds = 0;
  std::vector<double> latencies_ms;

  /// Counts the answer to a request sent at `sent`: its latency when `err`
  /// is null, else a failure (keeping the text of the first one).
  void record(const caf::error* err,
              std::chrono::steady_clock::time_point sent) {
    if (err == nullptr) {
      ++ok;
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(
                               std::chrono::steady_clock::now() - sent)
                               .count());
    } else if (failed++ == 0) {
      first_error = to_text(*err);
    }
  }
};

} // namespace mink::bench

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mink::bench::load_summary)
