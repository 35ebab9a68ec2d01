#include "mink/adapters/sql/sql_saga_store.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <unordered_map>

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

caf::expected<std::vector<std::optional<saga_record>>>
sql_saga_store::load_many(const std::string& saga,
                          const std::vector<std::string>& instances) {
  if (auto err = validate_saga_keys(saga, instances))
    return err;
  std::unordered_map<std::string, saga_record> found;
  auto err = run([&](soci::session& sql) {
    sql::select_in(
      sql,
      "SELECT instance, state, position, done, journal FROM " + state_table_
        + " WHERE saga = :s AND instance",
      instances, [&](const soci::row& r) {
        saga_record rec;
        rec.state = r.get<std::string>(1);
        rec.position = sql::get_int(r, 2);
        rec.done = sql::get_int(r, 3) != 0;
        rec.journal = r.get<std::string>(4);
        found.emplace(r.get<std::string>(0), std::move(rec));
      },
      {}, {saga});
  });
  if (err)
    return err;
  std::vector<std::optional<saga_record>> out(instances.size());
  for (size_t k = 0; k < instances.size(); ++k)
    if (auto i = found.find(instances[k]); i != found.end())
      out[k] = i->second;
  return out;
}

caf::error sql_saga_store::save(const std::string& saga,
                                const std::vector<saga_change>& changes) {
  if (auto err = validate_saga_change(saga, changes))
    return err;
  if (changes.empty())
    return {};
  // One statement per kind and chunk, not per instance: a batch of a busy
  // saga touches thousands. Instances are distinct, so the order of kinds
  // (cancel, set, drop the finished') is the order of each change.
  sql::row_batch states{"INSERT INTO " + state_table_
                          + " (saga, instance, state, position, done, "
                            "journal)",
                        6,
                        "ON CONFLICT (saga, instance) DO UPDATE SET state = "
                        "excluded.state, position = excluded.position, done "
                        "= excluded.done, journal = excluded.journal"};
  // `IN (SELECT * FROM (VALUES ...))`, not `IN (VALUES ...)`: with two
  // rows or more, SQLite scans the table for the latter.
  sql::row_batch cancels{"DELETE FROM " + timer_table_
                           + " WHERE (saga, instance, name) IN (SELECT * "
                             "FROM (",
                         3, ") AS v)"};
  sql::row_batch sets{"INSERT INTO " + timer_table_
                        + " (saga, instance, name, due_us)",
                      4,
                      "ON CONFLICT (saga, instance, name) DO UPDATE SET "
                      "due_us = excluded.due_us"};
  sql::row_batch finished{"DELETE FROM " + timer_table_
                            + " WHERE (saga, instance) IN (SELECT * FROM (",
                          2, ") AS v)"};
  for (const auto& c : changes) {
    states.add({saga, c.instance, c.record.state,
                static_cast<long long>(c.record.position),
                c.record.done ? 1LL : 0LL, c.record.journal});
    for (const auto& name : c.cancel)
      cancels.add({saga, c.instance, name});
    for (const auto& t : c.set)
      sets.add({saga, c.instance, t.name, static_cast<long long>(t.due_us)});
    if (c.record.done) // a finished instance wakes no more
      finished.add({saga, c.instance});
  }
  return run([&](soci::session& sql) {
    states.execute(sql);
    cancels.execute(sql);
    sets.execute(sql);
    finished.execute(sql);
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
