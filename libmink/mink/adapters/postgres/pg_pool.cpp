#include "mink/adapters/postgres/pg_pool.hpp"

#include <algorithm>

#include <soci/connection-pool.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_watchdog.hpp"

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

/// Adds libpq's `connect_timeout` (whole seconds, at least 2) to a
/// connection string that sets none, in its own form (keywords or URI):
/// SOCI connects with libpq's blocking call, which a server that accepts
/// connections and never answers would otherwise hold forever.
std::string with_connect_timeout(const std::string& conninfo,
                                 std::chrono::milliseconds timeout) {
  if (conninfo.find("connect_timeout") != std::string::npos)
    return conninfo;
  auto secs = std::max<long long>(2, (timeout.count() + 999) / 1000);
  auto param = "connect_timeout=" + std::to_string(secs);
  if (conninfo.find("://") != std::string::npos)
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&")
           + param;
  return conninfo + " " + param;
}

} // namespace

pool::lease::lease(lease&& other) noexcept
  : owner_(other.owner_),
    pos_(other.pos_),
    session_(other.session_),
    conn_(other.conn_),
    previous_(other.previous_) {
  other.owner_ = nullptr;
}

pool::lease::~lease() {
  if (owner_ != nullptr) {
    owner_->watchdog_->disarm(pos_, previous_);
    owner_->sessions_->give_back(pos_);
  }
}

pool::pool(size_t size, pool_limits limits)
  : size_(size),
    limits_(limits),
    sessions_(std::make_unique<soci::connection_pool>(size)),
    watchdog_(std::make_unique<watchdog>(size, limits.statement_deadline)) {
  // nop
}

pool::~pool() = default;

caf::expected<std::unique_ptr<pool>> pool::open(const std::string& conninfo,
                                                size_t size,
                                                pool_limits limits) {
  if (size == 0)
    return make_error(errc::invalid_argument, "pool size must be at least 1");
  if (limits.statement_deadline.count() <= 0 || limits.connect_timeout.count() <= 0)
    return make_error(errc::invalid_argument,
                      "statement deadline and connect timeout must be "
                      "positive");
  std::unique_ptr<pool> result{new pool(size, limits)};
  auto target = with_connect_timeout(conninfo, limits.connect_timeout);
  try {
    for (size_t i = 0; i < size; ++i) {
      auto& s = result->sessions_->at(i);
      s.open(soci::postgresql, target);
      // Notices ("schema already exists, skipping") are not errors; libpq
      // would print them to stderr.
      auto conn = native_handle(s);
      PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
      auto previous = result->watchdog_->arm(i, conn);
      auto err = prepare_connection(conn);
      result->watchdog_->disarm(i, previous);
      if (err)
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
  auto fresh = PQstatus(conn) != CONNECTION_OK;
  if (!fresh && PQtransactionStatus(conn) != PQTRANS_IDLE) {
    // A caller left a transaction open (it failed half-way): end it, so
    // that nothing of it is committed by the next user of the connection.
    auto previous = watchdog_->arm(pos, conn);
    PQclear(PQexec(conn, "ROLLBACK"));
    watchdog_->disarm(pos, previous);
    fresh = PQtransactionStatus(conn) != PQTRANS_IDLE;
  }
  // The server restarted, the network dropped, the watchdog cut a call off,
  // or the connection is stuck: reconnect, within the connect timeout,
  // since the server may still be silent.
  if (fresh && !reconnect(conn, limits_.connect_timeout)) {
    std::string why = PQerrorMessage(conn);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
      why.pop_back();
    auto err = make_error(errc::store_unavailable,
                          "PostgreSQL connection lost and not re-established"
                          " within "
                            + std::to_string(limits_.connect_timeout.count())
                            + " ms" + (why.empty() ? "" : ": " + why));
    sessions_->give_back(pos);
    return err;
  }
  lease result{this, pos, &s, conn, watchdog_->arm(pos, conn, fresh)};
  if (fresh)
    if (auto err = prepare_connection(conn))
      return err;
  return result;
}

} // namespace mink::pg
