#include "mink/adapters/postgres/detail/pg_advisory_lease.hpp"

#include <algorithm>
#include <mutex>

#include <libpq-fe.h>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/adapters/postgres/pg_watchdog.hpp"

namespace mink::detail {

namespace {

constexpr const char* lock_sql
  = "SELECT pg_try_advisory_lock(hashtextextended($1, 0))";

constexpr const char* unlock_sql
  = "SELECT pg_advisory_unlock(hashtextextended($1, 0))";

/// Holds the lock through its own connection.
class advisory_lease : public runner_lease {
public:
  advisory_lease(PGconn* conn, std::string key,
                 std::chrono::milliseconds deadline)
    : conn_(conn), key_(std::move(key)), deadline_(deadline) {
    // nop
  }

  ~advisory_lease() override {
    // Unlocking first makes the lock free when the destructor returns;
    // closing alone ends the server's session (and the lock) a little later.
    if (!lost_ && PQstatus(conn_) == CONNECTION_OK)
      PQclear(pg::exec_within(conn_, unlock_sql, {key_}, deadline_));
    PQfinish(conn_);
  }

  bool held() override {
    std::lock_guard<std::mutex> guard{mtx_};
    if (lost_ || PQstatus(conn_) != CONNECTION_OK)
      return false;
    // A lost connection is not re-established: the lock went with it.
    pg::result res{pg::exec_within(conn_, "SELECT 1", {}, deadline_)};
    if (res.get() == nullptr)
      lost_ = true;
    return PQresultStatus(res.get()) == PGRES_TUPLES_OK;
  }

private:
  std::mutex mtx_;
  PGconn* conn_;
  std::string key_;
  std::chrono::milliseconds deadline_;
  /// The server did not answer in time; the connection is shut down.
  bool lost_ = false;
};

/// Opens the lease's connection: the caller's settings, then keepalives
/// and UTF-8 on top (later keywords override the expanded `dbname`).
PGconn* connect(const std::string& conninfo,
                std::chrono::milliseconds timeout) {
  // libpq's connect_timeout: whole seconds, at least 2.
  auto secs = std::to_string(std::max<long long>(2, (timeout.count() + 999)
                                                      / 1000));
  const char* keys[] = {"connect_timeout",     "dbname",
                        "client_encoding",     "keepalives",
                        "keepalives_idle",     "keepalives_interval",
                        "keepalives_count",    "application_name",
                        nullptr};
  // A connect_timeout in the caller's string (expanded from dbname) wins.
  const char* values[] = {secs.c_str(), conninfo.c_str(), "UTF8", "1", "30",
                          "10",         "3", "mink projection lease", nullptr};
  return PQconnectdbParams(keys, values, 1);
}

} // namespace

caf::expected<std::unique_ptr<runner_lease>>
try_advisory_lock(const std::string& conninfo, const std::string& key,
                  std::chrono::milliseconds deadline) {
  auto conn = connect(conninfo, deadline);
  if (conn == nullptr)
    return make_error(errc::store_unavailable,
                      "cannot connect to PostgreSQL for a projection lease");
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's messages name host and port, never the password.
    auto err = make_error(errc::store_unavailable,
                          std::string{"cannot connect to PostgreSQL for a "
                                      "projection lease: "}
                            + PQerrorMessage(conn));
    PQfinish(conn);
    return err;
  }
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  pg::result res{pg::exec_within(conn, lock_sql, {key}, deadline)};
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
    auto err = res.get() == nullptr
                 ? make_error(errc::store_unavailable,
                              "no answer from PostgreSQL within "
                                + std::to_string(deadline.count())
                                + " ms taking a projection lease")
                 : pg::to_error(conn, res.get(), "projection lease");
    PQfinish(conn);
    return err;
  }
  if (res.text(0, 0) != "t") {
    PQfinish(conn);
    return std::unique_ptr<runner_lease>{};
  }
  return std::unique_ptr<runner_lease>{new advisory_lease(conn, key, deadline)};
}

} // namespace mink::detail
