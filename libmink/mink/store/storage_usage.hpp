#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mink {

/// Bytes one part of a store takes on disk.
struct storage_part {
  /// PostgreSQL: `events` (with the position counter), `snapshots`,
  /// `commands`, `checkpoints` (with dead letters), `sagas`, `cluster`,
  /// `read_models` (every other table of the schema) and `other` (the
  /// migrations table). SQLite: `file` and `wal`.
  std::string name;
  /// Tables with their indexes and TOAST (PostgreSQL), or file sizes.
  int64_t bytes = 0;
};

/// What a store holds, for storage-growth metrics and `mink diagnose`.
struct storage_usage {
  /// Events stored: the last position (positions are dense).
  int64_t events = 0;
  /// Bytes by part; empty for a store in memory (also SQLite's
  /// `:memory:`).
  std::vector<storage_part> parts;

  /// The sum of the parts.
  [[nodiscard]] int64_t total_bytes() const noexcept {
    int64_t n = 0;
    for (const auto& p : parts)
      n += p.bytes;
    return n;
  }
};

} // namespace mink
