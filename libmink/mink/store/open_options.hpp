#pragma once

#include <chrono>
#include <cstddef>

namespace mink {

/// How `open_stores` and the single-store openers open a store.
struct open_options {
  /// Bring the stored schema up to date (creating the SQLite file or the
  /// PostgreSQL schema when missing). When false, nothing is created or
  /// changed: a missing SQLite file, or a schema behind this build, fails
  /// with `store_unavailable` and says to run `mink migrate up`.
  bool migrate = true;
  /// PostgreSQL: connections per store (each store has its own pool).
  size_t pool_size = 4;
  /// PostgreSQL: see `postgres_config::statement_deadline`.
  std::chrono::milliseconds statement_deadline{5000};
  /// PostgreSQL: see `postgres_config::connect_timeout`.
  std::chrono::milliseconds connect_timeout{5000};
};

} // namespace mink
