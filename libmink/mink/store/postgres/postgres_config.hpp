#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace mink {

/// Where and how to reach PostgreSQL.
struct postgres_config {
  /// A libpq connection string (`host=... dbname=...` or a URI). It may hold
  /// a password, so mink never logs it or puts it in an error.
  std::string conninfo;
  /// The schema holding mink's tables; validated (`[a-z_][a-z0-9_]*`).
  std::string schema = "mink";
  /// Connections kept open.
  size_t pool_size = 4;
  /// How long an operation waits for a free connection.
  std::chrono::milliseconds acquire_timeout{10000};
};

} // namespace mink
