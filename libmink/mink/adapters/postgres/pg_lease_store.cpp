#include "mink/adapters/postgres/pg_lease_store.hpp"

#include <exception>

#include "mink/adapters/postgres/pg_migrations.hpp"
#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/errc.hpp"

namespace mink::pg {

namespace {

using cluster::cluster_view;
using cluster::slice_lease;

/// Runs `work(conn)` in a transaction on a pooled connection: committed
/// when it succeeds, rolled back when it fails or throws.
template <class F>
auto in_transaction(pool& connections, std::chrono::milliseconds timeout,
                    F work) -> decltype(work(std::declval<PGconn*>())) {
  auto lease = connections.acquire(timeout);
  if (!lease)
    return std::move(lease.error());
  auto* conn = lease->conn();
  if (auto begin = exec(conn, "BEGIN ISOLATION LEVEL READ COMMITTED"); !begin)
    return std::move(begin.error());
  try {
    auto result = work(conn);
    if (!result) {
      (void) exec(conn, "ROLLBACK");
      return result;
    }
    if (auto commit = exec(conn, "COMMIT"); !commit)
      return std::move(commit.error());
    return result;
  } catch (const std::exception& ex) {
    (void) exec(conn, "ROLLBACK");
    return make_error(errc::storage_failure,
                      std::string{"lease store: "} + ex.what());
  }
}

std::vector<slice_lease> read_leases(const result& res) {
  std::vector<slice_lease> xs;
  xs.reserve(static_cast<size_t>(res.rows()));
  for (int i = 0; i < res.rows(); ++i)
    xs.push_back({static_cast<int32_t>(res.int64(i, 0)),
                  res.is_null(i, 1) ? std::string{} : res.str(i, 1),
                  res.int64(i, 2)});
  return xs;
}

caf::expected<cluster_view> read_view(PGconn* conn, const std::string& p) {
  auto nodes = exec(conn, "SELECT node_id, address,"
                          " expires_at > clock_timestamp(),"
                          " (extract(epoch FROM expires_at - clock_timestamp())"
                          " * 1000)::bigint FROM "
                            + p + "cluster_nodes ORDER BY node_id");
  if (!nodes)
    return std::move(nodes.error());
  auto slices = exec(conn, "SELECT slice, owner, epoch FROM " + p
                             + "cluster_slices ORDER BY slice");
  if (!slices)
    return std::move(slices.error());
  cluster_view view;
  for (int i = 0; i < nodes->rows(); ++i)
    view.members.push_back({nodes->str(i, 0), nodes->str(i, 1),
                            nodes->text(i, 2) == "t", nodes->int64(i, 3)});
  view.slices = read_leases(*slices);
  return view;
}

/// The number of slice leases; `lock`ed against a concurrent first fill.
caf::expected<int64_t> count_slices(PGconn* conn, const std::string& p,
                                    bool lock) {
  if (lock)
    if (auto locked = exec(conn, "LOCK TABLE " + p + "cluster_slices IN SHARE"
                                                     " ROW EXCLUSIVE MODE");
        !locked)
      return std::move(locked.error());
  auto have = exec(conn, "SELECT count(*) FROM " + p + "cluster_slices");
  if (!have)
    return std::move(have.error());
  return have->int64(0, 0);
}

/// Writes `count` free leases when there are none; refuses another count.
caf::error ensure_slices(PGconn* conn, const std::string& p, int32_t count) {
  auto n = count_slices(conn, p, false);
  if (n && *n == 0)
    // Two first nodes at once: the second waits here, then sees the rows.
    n = count_slices(conn, p, true);
  if (!n)
    return std::move(n.error());
  if (*n == count)
    return {};
  if (*n != 0)
    return make_error(errc::invalid_argument,
                      "the cluster has " + std::to_string(*n)
                        + " slices, this node is configured for "
                        + std::to_string(count)
                        + ": the slice count is fixed for a schema");
  auto fill = exec(conn,
                   "INSERT INTO " + p
                     + "cluster_slices (slice) SELECT generate_series(0, $1 - 1)",
                   {std::to_string(count)});
  if (!fill)
    return std::move(fill.error());
  return {};
}

/// Takes the position lock, which every append holds while it reads its
/// fences: an epoch an append read stays current until it commits. Taken
/// first by every change of a lease, so changes also lock in one order.
caf::error lock_positions(PGconn* conn, const std::string& p) {
  if (auto lock = exec(conn, "SELECT last FROM " + p
                               + "positions WHERE id = 1 FOR UPDATE");
      !lock)
    return std::move(lock.error());
  return {};
}

} // namespace

lease_store::lease_store(const postgres_config& cfg,
                         std::unique_ptr<pool> connections)
  : pool_(std::move(connections)),
    acquire_timeout_(cfg.acquire_timeout),
    prefix_(quote_ident(cfg.schema) + ".") {
  // nop
}

lease_store::~lease_store() = default;

caf::expected<std::unique_ptr<lease_store>>
lease_store::open(const postgres_config& cfg) {
  auto connections = open_migrated_pool(cfg);
  if (!connections)
    return std::move(connections.error());
  return std::unique_ptr<lease_store>{
    new lease_store(cfg, std::move(*connections))};
}

caf::expected<cluster_view>
lease_store::do_heartbeat(const cluster::node_announce& self,
                          int32_t slice_count) {
  return in_transaction(
    *pool_, acquire_timeout_, [&](PGconn* conn) -> caf::expected<cluster_view> {
      auto renew = exec(
        conn,
        "INSERT INTO " + prefix_
          + "cluster_nodes (node_id, address, expires_at) VALUES ($1, $2,"
            " clock_timestamp() + $3 * interval '1 millisecond')"
            " ON CONFLICT (node_id) DO UPDATE SET address = excluded.address,"
            " expires_at = excluded.expires_at",
        {self.node_id, self.address, std::to_string(self.ttl.count())});
      if (!renew)
        return std::move(renew.error());
      // Members whose lease ended an hour ago and who own nothing (earlier
      // runs of restarted nodes) are forgotten.
      auto forget = exec(conn, "DELETE FROM " + prefix_
                                 + "cluster_nodes n WHERE n.expires_at <"
                                   " clock_timestamp() - interval '1 hour'"
                                   " AND NOT EXISTS (SELECT 1 FROM " + prefix_
                                 + "cluster_slices s WHERE s.owner = n.node_id)");
      if (!forget)
        return std::move(forget.error());
      if (auto err = ensure_slices(conn, prefix_, slice_count))
        return err;
      return read_view(conn, prefix_);
    });
}

caf::expected<cluster_view> lease_store::do_view() {
  return in_transaction(*pool_, acquire_timeout_, [&](PGconn* conn) {
    return read_view(conn, prefix_);
  });
}

caf::expected<std::vector<slice_lease>>
lease_store::do_claim(const std::string& node_id,
                      const std::vector<slice_lease>& which) {
  std::vector<int64_t> slices;
  std::vector<int64_t> epochs;
  for (auto& x : which) {
    slices.push_back(x.slice);
    epochs.push_back(x.epoch);
  }
  return in_transaction(
    *pool_, acquire_timeout_,
    [&](PGconn* conn) -> caf::expected<std::vector<slice_lease>> {
      if (auto err = lock_positions(conn, prefix_))
        return err;
      auto won = exec(
        conn,
        "UPDATE " + prefix_ + "cluster_slices s SET owner = $1,"
          " epoch = s.epoch + 1 FROM unnest($2::int[], $3::bigint[])"
          " AS c(slice, epoch) WHERE s.slice = c.slice AND s.epoch = c.epoch"
          " AND (s.owner IS NULL OR NOT EXISTS (SELECT 1 FROM " + prefix_
          + "cluster_nodes n WHERE n.node_id = s.owner"
            " AND n.expires_at > clock_timestamp()))"
            " AND EXISTS (SELECT 1 FROM " + prefix_
          + "cluster_nodes n WHERE n.node_id = $1"
            " AND n.expires_at > clock_timestamp())"
            " RETURNING s.slice, s.owner, s.epoch",
        {node_id, int64_array(slices), int64_array(epochs)});
      if (!won)
        return std::move(won.error());
      return read_leases(*won);
    });
}

caf::expected<std::vector<slice_lease>>
lease_store::do_release(const std::string& node_id,
                        const std::vector<int32_t>& which) {
  std::vector<int64_t> slices{which.begin(), which.end()};
  return in_transaction(
    *pool_, acquire_timeout_,
    [&](PGconn* conn) -> caf::expected<std::vector<slice_lease>> {
      if (auto err = lock_positions(conn, prefix_))
        return err;
      auto released = exec(conn,
                           "UPDATE " + prefix_
                             + "cluster_slices SET owner = NULL,"
                               " epoch = epoch + 1 WHERE owner = $1"
                               " AND slice = ANY($2::int[])"
                               " RETURNING slice, owner, epoch",
                           {node_id, int64_array(slices)});
      if (!released)
        return std::move(released.error());
      return read_leases(*released);
    });
}

caf::error lease_store::do_leave(const std::string& node_id) {
  auto left = in_transaction(
    *pool_, acquire_timeout_, [&](PGconn* conn) -> caf::expected<bool> {
      if (auto err = lock_positions(conn, prefix_))
        return err;
      auto released = exec(conn,
                           "UPDATE " + prefix_
                             + "cluster_slices SET owner = NULL,"
                               " epoch = epoch + 1 WHERE owner = $1",
                           {node_id});
      if (!released)
        return std::move(released.error());
      auto gone = exec(conn,
                       "DELETE FROM " + prefix_
                         + "cluster_nodes WHERE node_id = $1",
                       {node_id});
      if (!gone)
        return std::move(gone.error());
      return true;
    });
  return left ? caf::error{} : std::move(left.error());
}

} // namespace mink::pg
