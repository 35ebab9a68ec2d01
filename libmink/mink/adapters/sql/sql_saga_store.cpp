#include "mink/adapters/sql/sql_saga_store.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>

#include <soci/soci.h>

#include "mink/adapters/memory/memory_saga_store.hpp"
#include "mink/adapters/sql/row_batch.hpp"
#include "mink/errc.hpp"

namespace mink {

sql_saga_store::sql_saga_store(std::shared_ptr<sql_checkpoint_store> cps,
                               std::string prefix)
  : checkpoints_(std::move(cps)),
    state_table_(prefix + "mink_saga_state"),
    timer_table_(prefix + "mink_saga_timers") {
  // nop
}

caf::error sql_saga_store::run(const std::function<void(soci::session&)>& work) {
  auto guarded = [&](soci::session& sql) -> caf::error {
    try {
      work(sql);
      return {};
    } catch (const std::exception& ex) {
      return make_error(errc::store_unavailable,
                        std::string{"saga store: "} + ex.what());
    }
  };
  {
    std::lock_guard<std::mutex> guard{setup_mtx_};
    if (!ready_) {
      auto setup = checkpoints_->run([&](soci::session& sql) -> caf::error {
        try {
          sql << "CREATE TABLE IF NOT EXISTS " + state_table_
                   + " (saga text NOT NULL, instance text NOT NULL, "
                     "state text NOT NULL, position bigint NOT NULL, "
                     "done integer NOT NULL, journal text NOT NULL, "
                     "PRIMARY KEY (saga, instance))";
          sql << "CREATE TABLE IF NOT EXISTS " + timer_table_
                   + " (saga text NOT NULL, instance text NOT NULL, "
                     "name text NOT NULL, due_us bigint NOT NULL, "
                     "PRIMARY KEY (saga, instance, name))";
          sql << "CREATE INDEX IF NOT EXISTS mink_saga_timers_due ON "
                   + timer_table_ + " (saga, due_us)";
          return {};
        } catch (const std::exception& ex) {
          return make_error(errc::store_unavailable,
                            std::string{"saga store setup: "} + ex.what());
        }
      });
      if (setup)
        return setup;
      ready_ = true;
    }
  }
  return checkpoints_->run(guarded);
}

caf::expected<std::optional<saga_record>>
sql_saga_store::load(const std::string& saga, const std::string& instance) {
  if (auto err = validate_saga_key(saga, instance))
    return err;
  std::optional<saga_record> out;
  auto err = run([&](soci::session& sql) {
    saga_record r;
    long long position = 0;
    int done = 0;
    sql << "SELECT state, position, done, journal FROM " + state_table_
             + " WHERE saga = :s AND instance = :i",
      soci::into(r.state), soci::into(position), soci::into(done),
      soci::into(r.journal), soci::use(saga), soci::use(instance);
    if (sql.got_data()) {
      r.position = position;
      r.done = done != 0;
      out = std::move(r);
    }
  });
  if (err)
    return err;
  return out;
}

caf::error sql_saga_store::save(const std::string& saga,
                                const std::vector<saga_change>& changes) {
  if (auto err = validate_saga_change(saga, changes))
    return err;
  if (changes.empty())
    return {};
  return run([&](soci::session& sql) {
    for (const auto& c : changes) {
      long long position = c.record.position;
      int done = c.record.done ? 1 : 0;
      sql << "INSERT INTO " + state_table_
               + " (saga, instance, state, position, done, journal) VALUES "
                 "(:s, :i, :st, :p, :d, :j) ON CONFLICT (saga, instance) DO "
                 "UPDATE SET state = excluded.state, position = "
                 "excluded.position, done = excluded.done, journal = "
                 "excluded.journal",
        soci::use(saga), soci::use(c.instance), soci::use(c.record.state),
        soci::use(position), soci::use(done), soci::use(c.record.journal);
      for (const auto& name : c.cancel)
        sql << "DELETE FROM " + timer_table_
                 + " WHERE saga = :s AND instance = :i AND name = :n",
          soci::use(saga), soci::use(c.instance), soci::use(name);
      for (const auto& t : c.set) {
        long long due = t.due_us;
        sql << "INSERT INTO " + timer_table_
                 + " (saga, instance, name, due_us) VALUES (:s, :i, :n, :d) "
                   "ON CONFLICT (saga, instance, name) DO UPDATE SET "
                   "due_us = excluded.due_us",
          soci::use(saga), soci::use(c.instance), soci::use(t.name),
          soci::use(due);
      }
      if (c.record.done) // a finished instance wakes no more
        sql << "DELETE FROM " + timer_table_
                 + " WHERE saga = :s AND instance = :i",
          soci::use(saga), soci::use(c.instance);
    }
  });
}

caf::expected<std::vector<saga_timer>>
sql_saga_store::due(const std::string& saga, int64_t now_us, size_t limit) {
  if (auto err = validate_saga_key(saga, "-"))
    return err;
  std::vector<saga_timer> out;
  auto err = run([&](soci::session& sql) {
    long long now = now_us;
    auto max = static_cast<long long>(
      std::min<size_t>(limit, static_cast<size_t>(INT64_MAX)));
    soci::rowset<soci::row> rows
      = (sql.prepare << "SELECT instance, name, due_us FROM " + timer_table_
                          + " WHERE saga = :s AND due_us <= :n ORDER BY "
                            "due_us LIMIT :l",
         soci::use(saga), soci::use(now), soci::use(max));
    for (const auto& r : rows) {
      saga_timer t;
      t.instance = r.get<std::string>(0);
      t.name = r.get<std::string>(1);
      t.due_us = sql::get_int(r, 2);
      out.push_back(std::move(t));
    }
  });
  if (err)
    return err;
  return out;
}

caf::error sql_saga_store::remove_timer(const std::string& saga,
                                        const saga_timer& t) {
  if (auto err = validate_saga_key(saga, t.instance))
    return err;
  return run([&](soci::session& sql) {
    long long due = t.due_us;
    sql << "DELETE FROM " + timer_table_
             + " WHERE saga = :s AND instance = :i AND name = :n AND "
               "due_us = :d",
      soci::use(saga), soci::use(t.instance), soci::use(t.name),
      soci::use(due);
  });
}

std::shared_ptr<saga_store> make_saga_store(const store_set& stores) {
  if (stores.sql != nullptr)
    return std::make_shared<sql_saga_store>(stores.sql, stores.table_prefix);
  return std::make_shared<memory_saga_store>();
}

} // namespace mink
