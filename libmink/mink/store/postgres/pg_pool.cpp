#include "mink/store/postgres/pg_pool.hpp"

#include <soci/connection-pool.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include "mink/errc.hpp"

namespace mink::pg {

namespace {

PGconn* native_handle(soci::session& s) {
  return static_cast<soci::postgresql_session_backend*>(s.get_backend())
    ->conn_;
}

/// COPY text and JSON go over the wire as UTF-8, whatever PGCLIENTENCODING
/// or the database default say.
caf::error prepare_connection(PGconn* conn) {
  if (PQsetClientEncoding(conn, "UTF8") != 0)
    return make_error(errc::store_unavailable,
                      std::string{"cannot set client encoding UTF8: "}
                        + PQerrorMessage(conn));
  return {};
}

} // namespace

pool::lease::lease(lease&& other) noexcept
  : owner_(other.owner_),
    pos_(other.pos_),
    session_(other.session_),
    conn_(other.conn_) {
  other.owner_ = nullptr;
}

pool::lease::~lease() {
  if (owner_ != nullptr)
    owner_->sessions_->give_back(pos_);
}

pool::pool(size_t size)
  : size_(size), sessions_(std::make_unique<soci::connection_pool>(size)) {
  // nop
}

pool::~pool() = default;

caf::expected<std::unique_ptr<pool>> pool::open(const std::string& conninfo,
                                                size_t size) {
  if (size == 0)
    return make_error(errc::invalid_argument, "pool size must be at least 1");
  std::unique_ptr<pool> result{new pool(size)};
  try {
    for (size_t i = 0; i < size; ++i) {
      auto& s = result->sessions_->at(i);
      s.open(soci::postgresql, conninfo);
      // Notices ("schema already exists, skipping") are not errors; libpq
      // would print them to stderr.
      PQsetNoticeProcessor(native_handle(s), [](void*, const char*) {},
                           nullptr);
      if (auto err = prepare_connection(native_handle(s)))
        return err;
    }
  } catch (const std::exception& ex) {
    // libpq's messages name host and port, never the password.
    return make_error(errc::store_unavailable,
                      std::string{"cannot connect to PostgreSQL: "} + ex.what());
  }
  return result;
}

caf::expected<pool::lease> pool::acquire(std::chrono::milliseconds timeout) {
  size_t pos = 0;
  try {
    if (!sessions_->try_lease(pos, static_cast<int>(timeout.count())))
      return make_error(errc::timeout,
                        "no PostgreSQL connection free within "
                          + std::to_string(timeout.count()) + " ms");
  } catch (const std::exception& ex) {
    return make_error(errc::storage_failure, ex.what());
  }
  auto& s = sessions_->at(pos);
  auto conn = native_handle(s);
  if (PQstatus(conn) != CONNECTION_OK) {
    // The server restarted or the network dropped: try once to reconnect.
    PQreset(conn);
    auto err = PQstatus(conn) == CONNECTION_OK
                 ? prepare_connection(conn)
                 : make_error(errc::store_unavailable,
                              std::string{"PostgreSQL connection lost: "}
                                + PQerrorMessage(conn));
    if (err) {
      sessions_->give_back(pos);
      return err;
    }
  } else if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
    // A caller left a transaction open (it failed half-way): end it, so
    // that nothing of it is committed by the next user of the connection.
    PQclear(PQexec(conn, "ROLLBACK"));
  }
  return lease{this, pos, &s, conn};
}

} // namespace mink::pg
