#pragma once

// What a benchmark costs the machine: CPU time of this process and of a
// PostgreSQL server on the same machine, and this process's peak resident
// set.

#include <cstdint>

namespace mink::bench {

/// CPU time and memory, read at one moment.
struct resource_sample {
  /// User plus system CPU seconds of this process so far.
  double process_cpu = 0;
  /// User plus system CPU seconds of every `postgres` process of this
  /// machine, including its backends that have exited (their parent
  /// counts them); negative when no such process is visible.
  double postgres_cpu = -1;
  /// This process's peak resident set in KiB so far.
  int64_t peak_rss_kib = 0;
};

/// Reads the counters now (getrusage and /proc).
[[nodiscard]] resource_sample sample_resources();

/// What a benchmark cost between two samples.
struct resource_use {
  /// CPU seconds of this process.
  double process_cpu = 0;
  /// CPU seconds of PostgreSQL; negative when unknown (no server on this
  /// machine, or not PostgreSQL).
  double postgres_cpu = -1;
  /// Peak resident set of this process at the end, KiB.
  int64_t peak_rss_kib = 0;
};

/// The difference from `before` to `after`.
[[nodiscard]] resource_use resources_between(const resource_sample& before,
                                             const resource_sample& after);

} // namespace mink::bench
