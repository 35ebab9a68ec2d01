// What a PostgreSQL schema of mink holds on disk, by part: the storage
// growth metrics and `mink diagnose`.

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"

namespace mink {

namespace {

/// The part a table of the schema belongs to (see `storage_part`).
std::string_view part_of(std::string_view table) {
  struct rule {
    std::string_view table;
    std::string_view part;
  };
  static constexpr std::array<rule, 11> rules{
    {{"events", "events"},
     {"positions", "events"},
     {"snapshots", "snapshots"},
     {"commands", "commands"},
     {"projections", "checkpoints"},
     {"projection_dead_letters", "checkpoints"},
     {"mink_saga_state", "sagas"},
     {"mink_saga_timers", "sagas"},
     {"schema_migrations", "other"},
     {"cluster_nodes", "cluster"},
     {"cluster_slices", "cluster"}}};
  for (const auto& r : rules)
    if (r.table == table)
      return r.part;
  return "read_models";
}

} // namespace

caf::expected<mink::storage_usage> postgres_event_store::do_storage_usage() {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto last = pg::exec(lease->conn(), sql_last_position_);
  if (!last)
    return std::move(last.error());
  // Tables (partitions included: a partitioned table itself holds
  // nothing) and materialized views, each with its indexes and TOAST.
  auto sizes = pg::exec(lease->conn(),
                        "SELECT c.relname, pg_total_relation_size(c.oid)"
                        " FROM pg_class c JOIN pg_namespace n"
                        " ON n.oid = c.relnamespace"
                        " WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')",
                        {schema_});
  if (!sizes)
    return std::move(sizes.error());
  mink::storage_usage x;
  x.events = last->int64(0, 0);
  for (int row = 0; row < sizes->rows(); ++row) {
    auto part = part_of(sizes->text(row, 0));
    auto bytes = sizes->int64(row, 1);
    auto i = std::find_if(x.parts.begin(), x.parts.end(),
                          [&](const auto& p) { return p.name == part; });
    if (i == x.parts.end())
      x.parts.push_back({std::string{part}, bytes});
    else
      i->bytes += bytes;
  }
  std::sort(x.parts.begin(), x.parts.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return x;
}

} // namespace mink
