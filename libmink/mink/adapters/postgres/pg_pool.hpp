#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <caf/expected.hpp>
#include <libpq-fe.h>

namespace soci {
class connection_pool;
class session;
} // namespace soci

namespace mink::pg {

class watchdog;

/// How long pooled connections may wait for the server.
struct pool_limits {
  /// See `postgres_config::statement_deadline`.
  std::chrono::milliseconds statement_deadline{5000};
  /// See `postgres_config::connect_timeout`.
  std::chrono::milliseconds connect_timeout{5000};
};

/// A fixed number of PostgreSQL connections, held by SOCI sessions. Callers
/// lease one connection per operation; statements run through libpq on the
/// connection SOCI holds (SOCI's own bulk path is one round trip per row).
class pool {
public:
  /// A connection on loan; given back when the lease is destroyed.
  class lease {
  public:
    lease(lease&& other) noexcept;
    lease& operator=(lease&&) = delete;
    ~lease();

    PGconn* conn() const noexcept { return conn_; }
    soci::session& session() const noexcept { return *session_; }

  private:
    friend class pool;
    lease(pool* owner, size_t pos, soci::session* s, PGconn* conn,
          void* previous) noexcept
      : owner_(owner), pos_(pos), session_(s), conn_(conn),
        previous_(previous) {}

    pool* owner_;
    size_t pos_;
    soci::session* session_;
    PGconn* conn_;
    /// The watchdog state of an enclosing lease on this thread.
    void* previous_;
  };

  /// Opens `size` connections with a libpq connection string. Fails with
  /// `store_unavailable` when the server cannot be reached. The connection
  /// string (which may hold a password) never appears in errors or logs.
  /// Every lease is watched (`pg::watchdog`) with `limits`.
  static caf::expected<std::unique_ptr<pool>>
  open(const std::string& conninfo, size_t size, pool_limits limits = {});

  ~pool();

  /// Leases a connection, waiting at most `timeout`; fails with
  /// `errc::timeout` when none frees up, and with `store_unavailable` when
  /// a broken connection cannot be re-established within the connect
  /// timeout. The connection is watched until the lease ends: a statement
  /// that gets no answer within the statement deadline fails.
  [[nodiscard]] caf::expected<lease>
  acquire(std::chrono::milliseconds timeout);

  size_t size() const noexcept { return size_; }

private:
  pool(size_t size, pool_limits limits);

  size_t size_;
  pool_limits limits_;
  std::unique_ptr<soci::connection_pool> sessions_;
  std::unique_ptr<watchdog> watchdog_;
};

} // namespace mink::pg
