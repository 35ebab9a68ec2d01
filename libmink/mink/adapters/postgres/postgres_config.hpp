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
  /// The longest a connection waits for the server's answer to one
  /// statement (counted from when it was sent; for work run through the
  /// SOCI session, such as a projection's transaction, from the work's
  /// last mink statement). When it passes, the connection's socket is shut
  /// down, the call fails with `store_unavailable`, and the connection is
  /// reconnected when next used: a server that stops answering cannot hang
  /// a caller. Set it above the slowest statement you expect.
  std::chrono::milliseconds statement_deadline{5000};
  /// The longest a new or re-established connection waits for the server.
  /// (Opening the pool goes through libpq's `connect_timeout`, whole
  /// seconds and at least 2, unless the connection string sets one.)
  std::chrono::milliseconds connect_timeout{5000};
  /// The longest the inline projections may take in one append
  /// transaction, while every writer waits for the position lock. Their SQL
  /// runs under a `statement_timeout` of this length; an attempt that takes
  /// longer fails, and its appends get `projection_failed` while the rest
  /// of the batch commits.
  std::chrono::milliseconds inline_deadline{500};
};

} // namespace mink
