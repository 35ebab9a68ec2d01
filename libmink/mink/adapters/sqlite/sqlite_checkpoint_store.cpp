#include "mink/adapters/sqlite/sqlite_checkpoint_store.hpp"

#include <mutex>
#include <string_view>
#include <utility>

#include <soci/soci.h>

#include "mink/clock.hpp"
#include "mink/errc.hpp"
#include "mink/projection/detail/checkpoint_checks.hpp"
#include "mink/adapters/sqlite/detail/file_lock_lease.hpp"
#include "mink/adapters/sqlite/detail/sqlite_open.hpp"
#include "mink/adapters/sqlite/sqlite_statement.hpp"

namespace mink {

namespace {

/// The columns that `record_row` reads, in its order.
constexpr std::string_view select_records
  = "SELECT name, position, desired, reset_to, rebuild_requested, state,"
    " last_error, lag_events, lag_seconds, runner, reported_at_us"
    " FROM mink_projections ";

/// The columns that `letter_row` reads, in its order.
constexpr std::string_view select_letters
  = "SELECT projection, position, event_id, stream_id, event_type, error,"
    " parked_at_us, replay_requested FROM mink_projection_dead_letters ";

/// Prepares `text` on `sql`; `bind` adds the statement's variables.
template <class Bind>
soci::statement prepare(soci::session& sql, std::string_view text,
                        Bind bind) {
  soci::statement st(sql);
  st.alloc();
  st.prepare(std::string{text});
  bind(st);
  st.define_and_bind();
  return st;
}

/// Output variables of a statement over `select_records`.
struct record_row {
  std::string name;
  long long position = 0;
  std::string desired;
  long long reset_to = 0;
  soci::indicator reset_ind = soci::i_ok;
  int rebuild = 0;
  std::string state;
  std::string last_error;
  long long lag_events = 0;
  double lag_seconds = 0;
  std::string runner;
  long long reported_us = 0;

  void bind(soci::statement& st) {
    st.exchange(soci::into(name));
    st.exchange(soci::into(position));
    st.exchange(soci::into(desired));
    st.exchange(soci::into(reset_to, reset_ind));
    st.exchange(soci::into(rebuild));
    st.exchange(soci::into(state));
    st.exchange(soci::into(last_error));
    st.exchange(soci::into(lag_events));
    st.exchange(soci::into(lag_seconds));
    st.exchange(soci::into(runner));
    st.exchange(soci::into(reported_us));
  }

  caf::expected<projection_record> get() const {
    projection_record x;
    x.name = name;
    x.position = position;
    if (reset_ind == soci::i_ok)
      x.reset_to = reset_to;
    x.rebuild_requested = rebuild != 0;
    x.last_error = last_error;
    x.lag_events = lag_events;
    x.lag_seconds = lag_seconds;
    x.runner = runner;
    x.reported_us = reported_us;
    if (auto err = detail::decode_names(x, desired, state))
      return err;
    return x;
  }
};

/// Output variables of a statement over `select_letters`.
struct letter_row {
  std::string projection;
  long long position = 0;
  std::string event_id;
  std::string stream_id;
  std::string event_type;
  std::string error;
  long long parked_us = 0;
  int replay = 0;

  void bind(soci::statement& st) {
    st.exchange(soci::into(projection));
    st.exchange(soci::into(position));
    st.exchange(soci::into(event_id));
    st.exchange(soci::into(stream_id));
    st.exchange(soci::into(event_type));
    st.exchange(soci::into(error));
    st.exchange(soci::into(parked_us));
    st.exchange(soci::into(replay));
  }

  dead_letter get() const {
    return dead_letter{projection, position,  event_id, stream_id,
                       event_type, error,     parked_us, replay != 0};
  }
};

/// Returns the record of `name`, if any. Throws SOCI's exceptions.
caf::expected<std::optional<projection_record>>
select_record(soci::session& sql, const std::string& name) {
  record_row row;
  auto st = prepare(sql, std::string{select_records} + "WHERE name = :name",
                    [&](soci::statement& s) {
                      row.bind(s);
                      s.exchange(soci::use(name));
                    });
  if (!st.execute(true))
    return std::optional<projection_record>{};
  auto x = row.get();
  if (!x)
    return std::move(x.error());
  return std::optional<projection_record>{std::move(*x)};
}

/// Returns how many rows the last statement on `sql` changed.
long long changes(soci::session& sql) {
  return sqlite_api::sqlite3_changes64(detail::raw_connection(sql));
}

/// Runs an UPDATE of the record of `name`; `projection_not_found` when
/// there is none. Throws SOCI's exceptions.
template <class... Uses>
caf::error update_record(soci::session& sql, const std::string& name,
                         const std::string& set, const Uses&... uses) {
  auto st = prepare(sql, "UPDATE mink_projections SET " + set
                           + " WHERE name = :name",
                    [&](soci::statement& s) {
                      (s.exchange(soci::use(uses)), ...);
                      s.exchange(soci::use(name));
                    });
  st.execute(true);
  if (changes(sql) == 0)
    return detail::projection_missing(name);
  return {};
}

/// Moves the checkpoint of `name` from `expected` to `position`. Throws
/// SOCI's exceptions.
caf::error compare_and_set(soci::session& sql, const std::string& name,
                           int64_t expected, int64_t position) {
  long long from = expected;
  long long to = position;
  sql << "UPDATE mink_projections SET position = :position"
         " WHERE name = :name AND position = :expected",
    soci::use(to), soci::use(name), soci::use(from);
  if (changes(sql) == 1)
    return {};
  long long actual = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT position FROM mink_projections WHERE name = :name",
    soci::into(actual, ind), soci::use(name);
  if (!sql.got_data())
    return detail::projection_missing(name);
  return detail::checkpoint_moved(name, expected, actual);
}

/// Parks a dead letter when the record of `name` exists; returns whether it
/// does. Throws SOCI's exceptions.
bool insert_letter(soci::session& sql, const std::string& name,
                   const recorded_event& ev, const std::string& error) {
  long long position = ev.global_position;
  long long at = now_us();
  sql << "INSERT INTO mink_projection_dead_letters (projection, position,"
         " event_id, stream_id, event_type, error, parked_at_us,"
         " replay_requested)"
         " SELECT :name, :position, :event_id, :stream_id, :event_type,"
         " :error, :at, 0"
         " WHERE EXISTS (SELECT 1 FROM mink_projections WHERE name = :name2)"
         " ON CONFLICT (projection, position) DO UPDATE SET"
         " event_id = excluded.event_id, stream_id = excluded.stream_id,"
         " event_type = excluded.event_type, error = excluded.error,"
         " parked_at_us = excluded.parked_at_us, replay_requested = 0",
    soci::use(name), soci::use(position), soci::use(ev.event_id),
    soci::use(ev.stream_id), soci::use(ev.type), soci::use(error),
    soci::use(at), soci::use(name);
  return changes(sql) > 0;
}

bool record_exists(soci::session& sql, const std::string& name) {
  int one = 0;
  sql << "SELECT 1 FROM mink_projections WHERE name = :name",
    soci::into(one), soci::use(name);
  return sql.got_data();
}

/// Ends the open transaction of `sql`, if any; errors do not matter here.
void rollback(soci::session& sql) noexcept {
  try {
    if (sqlite_api::sqlite3_get_autocommit(detail::raw_connection(sql)) == 0)
      sql << "ROLLBACK";
  } catch (...) {
    // The original error is what the caller reports.
  }
}

} // namespace

// -- impl ---------------------------------------------------------------------

struct sqlite_checkpoint_store::impl : detail::sqlite_connection {
  using sqlite_connection::sqlite_connection;

  /// Runs `f` on the connection under the mutex; maps exceptions.
  template <class F>
  auto locked(const std::string& what, F f) -> decltype(f(sql)) {
    std::lock_guard<std::mutex> guard{mtx};
    try {
      return f(sql);
    } catch (...) {
      return detail::current_exception_error(context(what));
    }
  }

  /// Runs `work` in a `BEGIN IMMEDIATE` transaction; `finish` runs after
  /// it, in the transaction, with the work's result. Rolls back on any
  /// failure.
  template <class Work, class Finish>
  caf::error in_transaction(const std::string& what, Work& work,
                            Finish finish) {
    std::lock_guard<std::mutex> guard{mtx};
    try {
      sql << "BEGIN IMMEDIATE";
      auto result = work(sql);
      caf::error err;
      if (!result)
        err = std::move(result.error());
      else if (sqlite_api::sqlite3_get_autocommit(detail::raw_connection(sql))
               != 0)
        err = make_error(errc::projection_failed,
                         what + ": the work ended the transaction");
      else
        err = finish(result);
      if (err) {
        rollback(sql);
        return err;
      }
      sql << "COMMIT";
      return {};
    } catch (...) {
      auto err = detail::current_exception_error(context(what));
      rollback(sql);
      return err;
    }
  }
};

// -- sqlite_checkpoint_store --------------------------------------------------

caf::expected<std::unique_ptr<sqlite_checkpoint_store>>
sqlite_checkpoint_store::open(const sqlite_config& cfg) {
  return detail::open_sqlite_store<impl>(
    cfg, [](impl&) {},
    [](std::unique_ptr<impl> st) {
      return new sqlite_checkpoint_store(std::move(st));
    });
}

sqlite_checkpoint_store::sqlite_checkpoint_store(std::unique_ptr<impl> ptr)
  : impl_(std::move(ptr)) {
  // nop
}

sqlite_checkpoint_store::~sqlite_checkpoint_store() = default;

const std::string& sqlite_checkpoint_store::path() const noexcept {
  return impl_->path;
}

caf::expected<projection_record>
sqlite_checkpoint_store::do_ensure(const std::string& name) {
  return impl_->locked(
    "ensure projection " + name,
    [&](soci::session& sql) -> caf::expected<projection_record> {
      sql << "INSERT INTO mink_projections (name) VALUES (:name)"
             " ON CONFLICT (name) DO NOTHING",
        soci::use(name);
      auto x = select_record(sql, name);
      if (!x)
        return std::move(x.error());
      if (!*x)
        return detail::projection_missing(name);
      return std::move(**x);
    });
}

caf::expected<std::optional<projection_record>>
sqlite_checkpoint_store::do_load(const std::string& name) {
  return impl_->locked("load projection " + name, [&](soci::session& sql) {
    return select_record(sql, name);
  });
}

caf::expected<std::vector<projection_record>>
sqlite_checkpoint_store::do_list() {
  return impl_->locked(
    "list projections",
    [&](soci::session& sql) -> caf::expected<std::vector<projection_record>> {
      std::vector<projection_record> result;
      record_row row;
      auto st = prepare(sql, std::string{select_records} + "ORDER BY name",
                        [&](soci::statement& s) { row.bind(s); });
      for (bool more = st.execute(true); more; more = st.fetch()) {
        auto x = row.get();
        if (!x)
          return std::move(x.error());
        result.push_back(std::move(*x));
      }
      return result;
    });
}

caf::error sqlite_checkpoint_store::do_save(const std::string& name,
                                            int64_t expected,
                                            int64_t position) {
  return impl_->locked("save checkpoint of " + name, [&](soci::session& sql) {
    return compare_and_set(sql, name, expected, position);
  });
}

caf::error sqlite_checkpoint_store::do_set_desired(const std::string& name,
                                                   projection_desired desired) {
  std::string text{to_string(desired)};
  return impl_->locked("set desired state of " + name,
                       [&](soci::session& sql) {
                         return update_record(sql, name, "desired = :desired",
                                              text);
                       });
}

caf::error sqlite_checkpoint_store::do_request_reset(const std::string& name,
                                                     int64_t position) {
  long long to = position;
  return impl_->locked("request reset of " + name, [&](soci::session& sql) {
    return update_record(sql, name, "reset_to = :reset_to", to);
  });
}

caf::error
sqlite_checkpoint_store::do_request_rebuild(const std::string& name) {
  return impl_->locked("request rebuild of " + name, [&](soci::session& sql) {
    return update_record(sql, name, "rebuild_requested = 1");
  });
}

caf::error
sqlite_checkpoint_store::do_complete_request(const std::string& name,
                                             int64_t position) {
  long long to = position;
  return impl_->locked("complete request of " + name,
                       [&](soci::session& sql) {
                         return update_record(sql, name,
                                              "position = :position,"
                                              " reset_to = NULL,"
                                              " rebuild_requested = 0",
                                              to);
                       });
}

caf::error sqlite_checkpoint_store::do_report(const std::string& name,
                                              const projection_report& x) {
  std::string state{to_string(x.state)};
  long long lag_events = x.lag_events;
  long long at = now_us();
  return impl_->locked("report of " + name, [&](soci::session& sql) {
    return update_record(sql, name,
                         "state = :state, lag_events = :lag_events,"
                         " lag_seconds = :lag_seconds,"
                         " last_error = :last_error, runner = :runner,"
                         " reported_at_us = :at",
                         state, lag_events, x.lag_seconds, x.last_error,
                         x.runner, at);
  });
}

caf::error sqlite_checkpoint_store::do_park(const std::string& name,
                                            const recorded_event& ev,
                                            const std::string& error) {
  return impl_->locked("park event of " + name,
                       [&](soci::session& sql) -> caf::error {
                         if (!insert_letter(sql, name, ev, error))
                           return detail::projection_missing(name);
                         return {};
                       });
}

caf::expected<std::vector<dead_letter>>
sqlite_checkpoint_store::do_dead_letters(const std::string& name,
                                         size_t limit) {
  long long max = static_cast<long long>(limit);
  return impl_->locked(
    "list dead letters",
    [&](soci::session& sql) -> caf::expected<std::vector<dead_letter>> {
      if (!name.empty() && !record_exists(sql, name))
        return detail::projection_missing(name);
      std::vector<dead_letter> result;
      letter_row row;
      auto text = std::string{select_letters}
                  + (name.empty() ? "ORDER BY projection, position LIMIT :max"
                                  : "WHERE projection = :name"
                                    " ORDER BY position LIMIT :max");
      auto st = prepare(sql, text, [&](soci::statement& s) {
        row.bind(s);
        if (!name.empty())
          s.exchange(soci::use(name));
        s.exchange(soci::use(max));
      });
      for (bool more = st.execute(true); more; more = st.fetch())
        result.push_back(row.get());
      return result;
    });
}

caf::error sqlite_checkpoint_store::do_request_replay(const std::string& name,
                                                      int64_t position) {
  long long at = position;
  return impl_->locked("request replay of " + name,
                       [&](soci::session& sql) -> caf::error {
                         sql << "UPDATE mink_projection_dead_letters"
                                " SET replay_requested = 1"
                                " WHERE projection = :name"
                                " AND position = :position",
                           soci::use(name), soci::use(at);
                         if (changes(sql) > 0)
                           return {};
                         if (!record_exists(sql, name))
                           return detail::projection_missing(name);
                         return detail::dead_letter_missing(name, position);
                       });
}

caf::error
sqlite_checkpoint_store::do_remove_dead_letter(const std::string& name,
                                               int64_t position) {
  long long at = position;
  return impl_->locked("remove dead letter of " + name,
                       [&](soci::session& sql) -> caf::error {
                         if (!record_exists(sql, name))
                           return detail::projection_missing(name);
                         sql << "DELETE FROM mink_projection_dead_letters"
                                " WHERE projection = :name"
                                " AND position = :position",
                           soci::use(name), soci::use(at);
                         return {};
                       });
}

caf::expected<std::unique_ptr<runner_lease>>
sqlite_checkpoint_store::do_try_lead(const std::string& name) {
  return detail::try_file_lock(detail::projection_lock_path(path(), name));
}

caf::error sqlite_checkpoint_store::do_transact(const std::string& name,
                                                int64_t expected,
                                                const work_fn& work) {
  return impl_->in_transaction(
    "transaction of projection " + name, work,
    [&](const caf::expected<int64_t>& position) {
      return compare_and_set(impl_->sql, name, expected, *position);
    });
}

caf::error sqlite_checkpoint_store::do_run(
  const std::function<caf::error(soci::session&)>& work) {
  auto as_expected = [&](soci::session& sql) -> caf::expected<int64_t> {
    if (auto err = work(sql))
      return err;
    return int64_t{0};
  };
  return impl_->in_transaction("setup transaction", as_expected,
                               [](const caf::expected<int64_t>&) {
                                 return caf::error{};
                               });
}

void sqlite_checkpoint_store::do_park_in(soci::session& session,
                                         const std::string& name,
                                         const recorded_event& ev,
                                         const std::string& error) {
  if (!insert_letter(session, name, ev, error))
    throw std::runtime_error(to_text(detail::projection_missing(name)));
}

void sqlite_checkpoint_store::do_remove_dead_letter_in(
  soci::session& session, const std::string& name, int64_t position) {
  long long at = position;
  session << "DELETE FROM mink_projection_dead_letters"
             " WHERE projection = :name AND position = :position",
    soci::use(name), soci::use(at);
}

} // namespace mink
