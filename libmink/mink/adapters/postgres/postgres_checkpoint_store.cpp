#include "mink/adapters/postgres/postgres_checkpoint_store.hpp"

#include <charconv>
#include <stdexcept>
#include <string_view>

#include <soci/soci.h>

#include "mink/errc.hpp"
#include "mink/projection/detail/checkpoint_checks.hpp"
#include "mink/adapters/postgres/detail/pg_advisory_lease.hpp"
#include "mink/adapters/postgres/pg_migrations.hpp"
#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/pg_result.hpp"

namespace mink {

namespace {

/// The columns that `decode_record` reads, in its order.
constexpr std::string_view record_columns
  = "name, position, desired, reset_to, rebuild_requested, state,"
    " last_error, lag_events, lag_seconds, runner,"
    " COALESCE((extract(epoch FROM reported_at) * 1000000)::bigint, 0)";

/// The columns that `decode_letter` reads, in its order.
constexpr std::string_view letter_columns
  = "projection, position, event_id, stream_id, event_type, error,"
    " (extract(epoch FROM parked_at) * 1000000)::bigint, replay_requested";

/// Renders a double so that it reads back exactly.
std::string double_text(double x) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string{buf, res.ptr};
}

double to_double(std::string_view txt) {
  double result = 0;
  std::from_chars(txt.data(), txt.data() + txt.size(), result);
  return result;
}

caf::expected<projection_record> decode_record(const pg::result& res,
                                               int row) {
  projection_record x;
  x.name = res.str(row, 0);
  x.position = res.int64(row, 1);
  if (!res.is_null(row, 3))
    x.reset_to = res.int64(row, 3);
  x.rebuild_requested = res.text(row, 4) == "t";
  x.last_error = res.str(row, 6);
  x.lag_events = res.int64(row, 7);
  x.lag_seconds = to_double(res.text(row, 8));
  x.runner = res.str(row, 9);
  x.reported_us = res.int64(row, 10);
  if (auto err = detail::decode_names(x, res.text(row, 2), res.text(row, 5)))
    return err;
  return x;
}

dead_letter decode_letter(const pg::result& res, int row) {
  return dead_letter{res.str(row, 0),   res.int64(row, 1), res.str(row, 2),
                     res.str(row, 3),   res.str(row, 4),   res.str(row, 5),
                     res.int64(row, 6), res.text(row, 7) == "t"};
}


/// Ends a failed transaction so that the connection goes back to the pool
/// idle; a connection that cannot even do that is reconnected by the pool
/// when it is next leased.
void rollback(PGconn* conn) noexcept {
  if (PQtransactionStatus(conn) == PQTRANS_IDLE)
    return;
  PQclear(PQexec(conn, "ROLLBACK"));
}

/// Checks the transaction after the work ran: the work must neither end it
/// nor leave it aborted by a failed statement it caught.
caf::error check_after_work(PGconn* conn, const std::string& what) {
  switch (PQtransactionStatus(conn)) {
    case PQTRANS_INTRANS:
      return {};
    case PQTRANS_INERROR:
      return make_error(errc::projection_failed,
                        what + ": a statement of the work failed and the"
                               " transaction is aborted");
    case PQTRANS_IDLE:
      return make_error(errc::projection_failed,
                        what + ": the work ended the transaction");
    default:
      return make_error(errc::store_unavailable,
                        what + ": the connection is not usable");
  }
}

/// Runs `body` (returning the transaction's error) between BEGIN and
/// COMMIT on `conn`; rolls back when it fails, when COMMIT fails and when
/// it throws (and rethrows).
template <class F>
caf::error in_transaction(PGconn* conn, F&& body) {
  if (auto begin = pg::exec(conn, "BEGIN"); !begin)
    return std::move(begin.error());
  try {
    caf::error err = body();
    if (!err)
      if (auto commit = pg::exec(conn, "COMMIT"); !commit)
        err = std::move(commit.error());
    if (err)
      rollback(conn);
    return err;
  } catch (...) {
    rollback(conn);
    throw;
  }
}

} // namespace

caf::expected<std::unique_ptr<postgres_checkpoint_store>>
postgres_checkpoint_store::open(const postgres_config& cfg) {
  auto connections = pg::open_migrated_pool(cfg);
  if (!connections)
    return std::move(connections.error());
  return std::unique_ptr<postgres_checkpoint_store>{
    new postgres_checkpoint_store(cfg, std::move(*connections))};
}

postgres_checkpoint_store::postgres_checkpoint_store(
  const postgres_config& cfg, std::unique_ptr<pg::pool> pool)
  : schema_(cfg.schema),
    conninfo_(cfg.conninfo),
    acquire_timeout_(cfg.acquire_timeout),
    statement_deadline_(cfg.statement_deadline),
    pool_(std::move(pool)) {
  prepare_sql();
}

postgres_checkpoint_store::~postgres_checkpoint_store() = default;

void postgres_checkpoint_store::prepare_sql() {
  auto records = pg::quote_ident(schema_) + ".projections";
  auto letters = pg::quote_ident(schema_) + ".projection_dead_letters";
  std::string cols{record_columns};
  std::string lcols{letter_columns};
  sql_ensure_ = "INSERT INTO " + records
                + " (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";
  sql_load_ = "SELECT " + cols + " FROM " + records + " WHERE name = $1";
  sql_list_ = "SELECT " + cols + " FROM " + records + " ORDER BY name";
  sql_save_ = "UPDATE " + records
              + " SET position = $3 WHERE name = $1 AND position = $2";
  sql_position_ = "SELECT position FROM " + records + " WHERE name = $1";
  sql_exists_ = "SELECT 1 FROM " + records + " WHERE name = $1";
  auto update = "UPDATE " + records + " SET ";
  sql_set_desired_ = update + "desired = $2 WHERE name = $1";
  sql_request_reset_ = update + "reset_to = $2 WHERE name = $1";
  sql_request_rebuild_ = update + "rebuild_requested = true WHERE name = $1";
  sql_complete_ = update
                  + "position = $2, reset_to = NULL,"
                    " rebuild_requested = false WHERE name = $1";
  sql_report_ = update
                + "state = $2, lag_events = $3, lag_seconds = $4,"
                  " last_error = $5, runner = $6,"
                  " reported_at = clock_timestamp() WHERE name = $1";
  // Parks only for a known projection; parking a position again replaces
  // the letter and clears its replay request.
  auto park = [&](const std::string& p) {
    auto arg = [&](int i, const char* type) {
      return "CAST(" + p + std::to_string(i) + " AS " + type + ")";
    };
    return "INSERT INTO " + letters
           + " (projection, position, event_id, stream_id, event_type,"
             " error) SELECT "
           + arg(1, "text") + ", " + arg(2, "bigint") + ", "
           + arg(3, "text") + ", " + arg(4, "text") + ", " + arg(5, "text")
           + ", " + arg(6, "text") + " WHERE EXISTS (SELECT 1 FROM "
           + records + " WHERE name = " + arg(7, "text")
           + ") ON CONFLICT (projection, position) DO UPDATE SET"
             " event_id = excluded.event_id,"
             " stream_id = excluded.stream_id,"
             " event_type = excluded.event_type, error = excluded.error,"
             " parked_at = clock_timestamp(), replay_requested = false";
  };
  sql_park_ = park("$");
  // SOCI names placeholders `:<name>`; it binds them in order.
  sql_park_in_ = park(":p");
  auto select_letters = "SELECT " + lcols + " FROM " + letters;
  sql_letters_all_ = select_letters
                     + " ORDER BY projection, position LIMIT $1";
  sql_letters_of_ = select_letters
                    + " WHERE projection = $1 ORDER BY position LIMIT $2";
  sql_replay_ = "UPDATE " + letters
                + " SET replay_requested = true"
                  " WHERE projection = $1 AND position = $2";
  sql_remove_letter_ = "DELETE FROM " + letters
                       + " WHERE projection = $1 AND position = $2";
  sql_remove_letter_in_ = "DELETE FROM " + letters
                          + " WHERE projection = :name"
                            " AND position = CAST(:position AS bigint)";
}

caf::expected<bool>
postgres_checkpoint_store::record_exists(PGconn* conn,
                                         const std::string& name) {
  auto res = pg::exec(conn, sql_exists_, {name});
  if (!res)
    return std::move(res.error());
  return res->rows() > 0;
}

caf::error postgres_checkpoint_store::compare_and_set(PGconn* conn,
                                                      const std::string& name,
                                                      int64_t expected,
                                                      int64_t position) {
  auto res = pg::exec(conn, sql_save_,
                      {name, std::to_string(expected),
                       std::to_string(position)});
  if (!res)
    return std::move(res.error());
  if (pg::affected_rows(*res) == 1)
    return {};
  auto actual = pg::exec(conn, sql_position_, {name});
  if (!actual)
    return std::move(actual.error());
  if (actual->rows() == 0)
    return detail::projection_missing(name);
  return detail::checkpoint_moved(name, expected, actual->int64(0, 0));
}

caf::error
postgres_checkpoint_store::update_record(const std::string& sql,
                                         const std::vector<std::string>& params) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql, params);
  if (!res)
    return std::move(res.error());
  if (pg::affected_rows(*res) == 0)
    return detail::projection_missing(params.front());
  return {};
}

caf::expected<projection_record>
postgres_checkpoint_store::do_ensure(const std::string& name) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  if (auto res = pg::exec(lease->conn(), sql_ensure_, {name}); !res)
    return std::move(res.error());
  auto res = pg::exec(lease->conn(), sql_load_, {name});
  if (!res)
    return std::move(res.error());
  if (res->rows() == 0)
    return detail::projection_missing(name);
  return decode_record(*res, 0);
}

caf::expected<std::optional<projection_record>>
postgres_checkpoint_store::do_load(const std::string& name) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_load_, {name});
  if (!res)
    return std::move(res.error());
  if (res->rows() == 0)
    return std::optional<projection_record>{};
  auto x = decode_record(*res, 0);
  if (!x)
    return std::move(x.error());
  return std::optional<projection_record>{std::move(*x)};
}

caf::expected<std::vector<projection_record>>
postgres_checkpoint_store::do_list() {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_list_);
  if (!res)
    return std::move(res.error());
  std::vector<projection_record> result;
  result.reserve(static_cast<size_t>(res->rows()));
  for (int i = 0; i < res->rows(); ++i) {
    auto x = decode_record(*res, i);
    if (!x)
      return std::move(x.error());
    result.push_back(std::move(*x));
  }
  return result;
}

caf::error postgres_checkpoint_store::do_save(const std::string& name,
                                              int64_t expected,
                                              int64_t position) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  return compare_and_set(lease->conn(), name, expected, position);
}

caf::error
postgres_checkpoint_store::do_set_desired(const std::string& name,
                                          projection_desired desired) {
  return update_record(sql_set_desired_,
                       {name, std::string{to_string(desired)}});
}

caf::error
postgres_checkpoint_store::do_request_reset(const std::string& name,
                                            int64_t position) {
  return update_record(sql_request_reset_, {name, std::to_string(position)});
}

caf::error
postgres_checkpoint_store::do_request_rebuild(const std::string& name) {
  return update_record(sql_request_rebuild_, {name});
}

caf::error
postgres_checkpoint_store::do_complete_request(const std::string& name,
                                               int64_t position) {
  return update_record(sql_complete_, {name, std::to_string(position)});
}

caf::error postgres_checkpoint_store::do_report(const std::string& name,
                                                const projection_report& x) {
  return update_record(sql_report_,
                       {name, std::string{to_string(x.state)},
                        std::to_string(x.lag_events), double_text(x.lag_seconds),
                        x.last_error, x.runner});
}

caf::error postgres_checkpoint_store::do_park(const std::string& name,
                                              const recorded_event& ev,
                                              const std::string& error) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_park_,
                      {name, std::to_string(ev.global_position), ev.event_id,
                       ev.stream_id, ev.type, error, name});
  if (!res)
    return std::move(res.error());
  if (pg::affected_rows(*res) == 0)
    return detail::projection_missing(name);
  return {};
}

caf::expected<std::vector<dead_letter>>
postgres_checkpoint_store::do_dead_letters(const std::string& name,
                                           size_t limit) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto conn = lease->conn();
  if (!name.empty()) {
    auto exists = record_exists(conn, name);
    if (!exists)
      return std::move(exists.error());
    if (!*exists)
      return detail::projection_missing(name);
  }
  auto res = name.empty()
               ? pg::exec(conn, sql_letters_all_, {std::to_string(limit)})
               : pg::exec(conn, sql_letters_of_,
                          {name, std::to_string(limit)});
  if (!res)
    return std::move(res.error());
  std::vector<dead_letter> result;
  result.reserve(static_cast<size_t>(res->rows()));
  for (int i = 0; i < res->rows(); ++i)
    result.push_back(decode_letter(*res, i));
  return result;
}

caf::error
postgres_checkpoint_store::do_request_replay(const std::string& name,
                                             int64_t position) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto conn = lease->conn();
  auto res = pg::exec(conn, sql_replay_, {name, std::to_string(position)});
  if (!res)
    return std::move(res.error());
  if (pg::affected_rows(*res) > 0)
    return {};
  auto exists = record_exists(conn, name);
  if (!exists)
    return std::move(exists.error());
  if (!*exists)
    return detail::projection_missing(name);
  return detail::dead_letter_missing(name, position);
}

caf::error
postgres_checkpoint_store::do_remove_dead_letter(const std::string& name,
                                                 int64_t position) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto conn = lease->conn();
  auto exists = record_exists(conn, name);
  if (!exists)
    return std::move(exists.error());
  if (!*exists)
    return detail::projection_missing(name);
  auto res = pg::exec(conn, sql_remove_letter_,
                      {name, std::to_string(position)});
  if (!res)
    return std::move(res.error());
  return {};
}

caf::expected<std::unique_ptr<runner_lease>>
postgres_checkpoint_store::do_try_lead(const std::string& name) {
  return detail::try_advisory_lock(conninfo_,
                                   "mink.projection." + schema_ + "." + name,
                                   statement_deadline_);
}

caf::error postgres_checkpoint_store::do_transact(const std::string& name,
                                                  int64_t expected,
                                                  const work_fn& work) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto conn = lease->conn();
  auto what = "transaction of projection " + name;
  return in_transaction(conn, [&]() -> caf::error {
    auto position = work(lease->session());
    if (!position)
      return std::move(position.error());
    if (auto bad = check_after_work(conn, what))
      return bad;
    return compare_and_set(conn, name, expected, *position);
  });
}

caf::error postgres_checkpoint_store::do_run(
  const std::function<caf::error(soci::session&)>& work) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto conn = lease->conn();
  return in_transaction(conn, [&]() -> caf::error {
    if (auto err = work(lease->session()))
      return err;
    return check_after_work(conn, "setup transaction");
  });
}

void postgres_checkpoint_store::do_park_in(soci::session& session,
                                           const std::string& name,
                                           const recorded_event& ev,
                                           const std::string& error) {
  long long position = ev.global_position;
  // A one-time statement (no named prepared statement to deallocate while
  // the transaction may be aborted); RETURNING tells whether it parked.
  int parked = 0;
  soci::indicator ind = soci::i_null;
  session << sql_park_in_ + " RETURNING 1", soci::into(parked, ind),
    soci::use(name), soci::use(position), soci::use(ev.event_id),
    soci::use(ev.stream_id), soci::use(ev.type), soci::use(error),
    soci::use(name);
  if (!session.got_data())
    throw std::runtime_error(to_text(detail::projection_missing(name)));
}

void postgres_checkpoint_store::do_remove_dead_letter_in(
  soci::session& session, const std::string& name, int64_t position) {
  long long at = position;
  session << sql_remove_letter_in_, soci::use(name), soci::use(at);
}

} // namespace mink
