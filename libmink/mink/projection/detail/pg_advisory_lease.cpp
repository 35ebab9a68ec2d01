#include "mink/projection/detail/pg_advisory_lease.hpp"

#include <mutex>

#include <libpq-fe.h>

#include "mink/errc.hpp"
#include "mink/store/postgres/pg_result.hpp"

namespace mink::detail {

namespace {

constexpr const char* lock_sql
  = "SELECT pg_try_advisory_lock(hashtextextended($1, 0))";

constexpr const char* unlock_sql
  = "SELECT pg_advisory_unlock(hashtextextended($1, 0))";

/// Holds the lock through its own connection.
class advisory_lease : public runner_lease {
public:
  advisory_lease(PGconn* conn, std::string key)
    : conn_(conn), key_(std::move(key)) {
    // nop
  }

  ~advisory_lease() override {
    // Unlocking first makes the lock free when the destructor returns;
    // closing alone ends the server's session (and the lock) a little later.
    if (PQstatus(conn_) == CONNECTION_OK)
      (void) pg::exec(conn_, unlock_sql, {key_});
    PQfinish(conn_);
  }

  bool held() override {
    std::lock_guard<std::mutex> guard{mtx_};
    if (PQstatus(conn_) != CONNECTION_OK)
      return false;
    // A lost connection is not re-established: the lock went with it.
    pg::result res{PQexec(conn_, "SELECT 1")};
    return PQresultStatus(res.get()) == PGRES_TUPLES_OK;
  }

private:
  std::mutex mtx_;
  PGconn* conn_;
  std::string key_;
};

/// Opens the lease's connection: the caller's settings, then keepalives
/// and UTF-8 on top (later keywords override the expanded `dbname`).
PGconn* connect(const std::string& conninfo) {
  const char* keys[] = {"dbname",         "client_encoding",
                        "keepalives",     "keepalives_idle",
                        "keepalives_interval", "keepalives_count",
                        "application_name", nullptr};
  const char* values[] = {conninfo.c_str(), "UTF8", "1", "30", "10", "3",
                          "mink projection lease", nullptr};
  return PQconnectdbParams(keys, values, 1);
}

} // namespace

caf::expected<std::unique_ptr<runner_lease>>
try_advisory_lock(const std::string& conninfo, const std::string& key) {
  auto conn = connect(conninfo);
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
  auto res = pg::exec(conn, lock_sql, {key});
  if (!res) {
    PQfinish(conn);
    return std::move(res.error());
  }
  if (res->text(0, 0) != "t") {
    PQfinish(conn);
    return std::unique_ptr<runner_lease>{};
  }
  return std::unique_ptr<runner_lease>{new advisory_lease(conn, key)};
}

} // namespace mink::detail
