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
    lease(pool* owner, size_t pos, soci::session* s, PGconn* conn) noexcept
      : owner_(owner), pos_(pos), session_(s), conn_(conn) {}

    pool* owner_;
    size_t pos_;
    soci::session* session_;
    PGconn* conn_;
  };

  /// Opens `size` connections with a libpq connection string. Fails with
  /// `store_unavailable` when the server cannot be reached. The connection
  /// string (which may hold a password) never appears in errors or logs.
  static caf::expected<std::unique_ptr<pool>>
  open(const std::string& conninfo, size_t size);

  ~pool();

  /// Leases a connection, waiting at most `timeout`; fails with
  /// `errc::timeout` when none frees up, and with `store_unavailable` when
  /// a broken connection cannot be re-established.
  [[nodiscard]] caf::expected<lease>
  acquire(std::chrono::milliseconds timeout);

  size_t size() const noexcept { return size_; }

private:
  pool(size_t size);

  size_t size_;
  std::unique_ptr<soci::connection_pool> sessions_;
};

} // namespace mink::pg
