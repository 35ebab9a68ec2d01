// The append of the PostgreSQL event store: one transaction per call, in
// named steps (see `append_once`).

#include "mink/adapters/postgres/postgres_event_store.hpp"

#include <algorithm>
#include <exception>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_copy.hpp"
#include "mink/adapters/postgres/pg_inline.hpp"
#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/adapters/postgres/pg_watchdog.hpp"

namespace mink {

namespace {

/// One events row, written at `created_at` (a timestamptz literal);
/// `carries_record` for the last event of an append whose command is
/// recorded on it.
void put_row(std::string& buf, int64_t position, const prepared_append& x,
             int64_t version, const prepared_event& ev,
             const std::string& created_at, bool carries_record) {
  pg::put_event_fields(buf, position, x.stream_id, version, x.category, ev,
                       created_at);
  if (carries_record) {
    buf += '\t';
    buf += x.command_id; // a validated UUID
    buf += '\t';
    buf += std::to_string(x.events.size());
    buf += '\n';
  } else {
    buf += "\t\\N\t\\N\n";
  }
}

/// Returns `not_owner` when `x` is fenced with an epoch other than its
/// slice's current one in `epochs`.
caf::error check_fence(const prepared_append& x,
                       const std::unordered_map<int32_t, int64_t>& epochs) {
  if (!x.fence.active())
    return {};
  auto i = epochs.find(x.fence.slice);
  if (i != epochs.end() && i->second == x.fence.epoch)
    return {};
  auto now = i == epochs.end() ? std::string{"has no lease"}
                               : "is at epoch " + std::to_string(i->second);
  return make_error(errc::not_owner,
                    "append to " + x.stream_id + " refused: slice "
                      + std::to_string(x.fence.slice) + " " + now
                      + ", the append holds epoch "
                      + std::to_string(x.fence.epoch)
                      + " (its node no longer owns the slice)");
}

} // namespace

// Named, not anonymous: `append_attempt` (a member of a class with
// linkage) holds these, which GCC flags in a unity batch otherwise.
namespace postgres_append_detail {

/// A stream the attempt writes: where its events go and its answer.
struct accepted_append {
  prepared_append* x;
  int64_t first_version;
  int64_t first_position;
  append_result result;
  /// Whether the command's record goes on its last event (else, when it
  /// has a command id, into the commands table).
  bool record_on_event;
};

} // namespace postgres_append_detail

using postgres_append_detail::accepted_append;

struct postgres_event_store::append_attempt {
  append_attempt(PGconn* c, soci::session& s,
                 std::vector<prepared_append>& xs, append_results& o,
                 bool slow)
    : conn(c), sql(s), prepared(xs), out(o), check_ids(slow) {
    // nop
  }

  PGconn* conn;
  soci::session& sql;
  std::vector<prepared_append>& prepared;
  append_results& out;
  /// The slow path: stored event and command ids are looked up first.
  bool check_ids;
  /// Set by a step when a unique index found a repeat on the fast path.
  bool recheck = false;
  /// Events asked for, and the positions before and after this call.
  int64_t total = 0;
  int64_t base = 0;
  int64_t next = 0;
  /// Whether the commands table may hold records.
  bool command_rows = false;
  /// Command records at or below this position were purged.
  int64_t purged_through = 0;
  /// The write time of every event of this call (microseconds) and its
  /// timestamptz literal.
  int64_t timestamp = 0;
  std::string created_at;
  /// Streams whose version must be read; each stream's current version
  /// (keys view the stream ids of `prepared`, which outlive the attempt).
  std::vector<std::string> lookup_ids;
  std::unordered_map<std::string_view, int64_t> versions;
  /// Command ids of the call, and those of appends without events.
  std::vector<std::string> command_ids;
  std::vector<std::string> unindexed_ids;
  /// Stored event ids (slow path), recorded command ids, and ids on events
  /// at or below the purge mark (free, but still in the unique index).
  std::unordered_set<std::string> known_events;
  std::unordered_set<std::string> known_commands;
  std::unordered_set<std::string> purged_commands;
  /// The current epoch of each slice that a fenced append names (absent:
  /// the slice has no lease row).
  std::unordered_map<int32_t, int64_t> epochs;
  std::vector<accepted_append> accepted;
};

namespace {

/// Sorts `ids` into recorded ones (`live`) and purged ones still on an
/// event (`purged`), in one statement.
caf::error find_homes(PGconn* conn, const std::string& sql,
                      const std::vector<std::string>& ids,
                      int64_t purged_through,
                      std::unordered_set<std::string>& live,
                      std::unordered_set<std::string>& purged) {
  auto res = pg::exec(conn, sql,
                      {pg::text_array(ids), std::to_string(purged_through)});
  if (!res)
    return std::move(res.error());
  for (int i = 0; i < res->rows(); ++i)
    (res->text(i, 1) == "t" ? live : purged).insert(res->str(i, 0));
  return {};
}

} // namespace

postgres_event_store::attempt_outcome
postgres_event_store::append_once(PGconn* conn, soci::session& sql,
                                  std::vector<prepared_append>& prepared,
                                  append_results& out, bool check_ids) {
  append_attempt a{conn, sql, prepared, out, check_ids};
  using step = caf::error (postgres_event_store::*)(append_attempt&);
  for (step next : {&postgres_event_store::reserve_positions,
                    &postgres_event_store::read_fences,
                    &postgres_event_store::look_up_versions,
                    &postgres_event_store::check_command_ids,
                    &postgres_event_store::decide_streams,
                    &postgres_event_store::run_inline_projections,
                    &postgres_event_store::copy_rows,
                    &postgres_event_store::record_commands}) {
    auto err = (this->*next)(a);
    if (err || a.recheck)
      (void) pg::exec(conn, "ROLLBACK");
    if (a.recheck)
      return attempt_outcome::recheck;
    if (err) {
      for (auto& x : prepared)
        out[x.index] = err;
      return attempt_outcome::done;
    }
  }
  commit(a);
  return attempt_outcome::done;
}

caf::error postgres_event_store::reserve_positions(append_attempt& a) {
  for (auto& x : a.prepared)
    a.total += static_cast<int64_t>(x.events.size());
  // BEGIN and the counter lock in one round trip; the count is a number
  // formatted here, not user input.
  auto reserve = sql_reserve_;
  for (auto pos = reserve.find("$n"); pos != std::string::npos;
       pos = reserve.find("$n"))
    reserve.replace(pos, 2, std::to_string(a.total));
  // READ COMMITTED whatever the role's default: each statement must see
  // what the writer before us committed while we waited for the lock.
  auto begin_sql = "BEGIN ISOLATION LEVEL READ COMMITTED; " + reserve;
  if (auto err = pg::send(a.conn, begin_sql))
    return err;
  // While the server takes the lock, the work that needs no database: which
  // streams need a version lookup, which appends carry command ids.
  // Versions are read after the lock, so no other writer can move them.
  // On the fast path a stream whose exact expected version is 0 or the
  // version remembered for it needs no lookup: taking the expected version
  // as current is safe, because the stream is at least there (versions
  // only grow) and any later version makes the unique (stream_id, version)
  // index refuse the insert, which sends the call down the slow path.
  a.versions.reserve(a.prepared.size());
  {
    std::lock_guard<std::mutex> guard{known_versions_mtx_};
    for (auto& x : a.prepared) {
      auto [slot, fresh] = a.versions.emplace(x.stream_id, 0);
      if (!fresh)
        continue;
      if (!a.check_ids && x.expected.mode() == expected_version::kind::exact) {
        auto v = x.expected.value();
        auto known = known_versions_.find(x.stream_id);
        if (v == 0 || (known != known_versions_.end() && known->second == v)) {
          slot->second = v;
          continue;
        }
      }
      a.lookup_ids.push_back(x.stream_id);
    }
  }
  for (auto& x : a.prepared)
    if (!x.command_id.empty()) {
      a.command_ids.push_back(x.command_id);
      if (x.events.empty())
        a.unindexed_ids.push_back(x.command_id);
    }
  auto res = pg::receive(a.conn, begin_sql);
  if (!res)
    return std::move(res.error());
  a.base = a.next = res->int64(0, 0);
  a.command_rows = res->text(0, 1) == "t";
  a.purged_through = res->int64(0, 2);
  // The server's clock once the position lock is ours, so it grows with
  // the position across all writers. Chosen before the rows are written
  // and returned with the results, so that what is passed on live (the
  // feed, inline projections) equals what reads return: microseconds,
  // which timestamptz keeps.
  a.timestamp = res->int64(0, 3);
  a.created_at = pg::timestamptz_literal(a.timestamp);
  return {};
}

caf::error postgres_event_store::read_fences(append_attempt& a) {
  // Under the position lock, which claims take too: an epoch read here
  // stays current until this transaction ends.
  std::vector<int64_t> slices;
  for (auto& x : a.prepared)
    if (x.fence.active())
      slices.push_back(x.fence.slice);
  if (slices.empty())
    return {};
  auto res = pg::exec(a.conn, sql_fences_, {pg::int64_array(slices)});
  if (!res)
    return std::move(res.error());
  for (int i = 0; i < res->rows(); ++i)
    a.epochs[static_cast<int32_t>(res->int64(i, 0))] = res->int64(i, 1);
  return {};
}

caf::error postgres_event_store::look_up_versions(append_attempt& a) {
  if (a.lookup_ids.empty())
    return {};
  auto res = pg::exec(a.conn, sql_versions_, {pg::text_array(a.lookup_ids)});
  if (!res)
    return std::move(res.error());
  std::vector<std::pair<std::string, int64_t>> looked_up;
  for (int i = 0; i < res->rows(); ++i)
    if (!res->is_null(i, 1)) {
      auto id = res->str(i, 0);
      auto v = res->int64(i, 1);
      // Every id asked for is a key already.
      if (auto slot = a.versions.find(id); slot != a.versions.end())
        slot->second = v;
      looked_up.emplace_back(std::move(id), v);
    }
  // Committed versions: lower bounds whatever becomes of this call.
  remember_versions(looked_up);
  return {};
}

caf::error postgres_event_store::check_command_ids(append_attempt& a) {
  if (a.check_ids) {
    std::vector<std::string> event_ids;
    for (auto& x : a.prepared)
      for (auto& ev : x.events)
        event_ids.push_back(ev.event_id);
    auto res = pg::exec(a.conn, sql_known_ids_, {pg::text_array(event_ids)});
    if (!res)
      return std::move(res.error());
    for (int i = 0; i < res->rows(); ++i)
      a.known_events.insert(res->str(i, 0));
  }
  // A command with events records itself on its last event, where the
  // fast path lets the unique index find repeats. On the slow path, and
  // for commands without events (recorded in the commands table, which the
  // index does not cover), both homes are looked up; the commands table
  // alone when it may hold records. All under the position lock, so no
  // other writer can record one meanwhile.
  auto& homes_for = a.check_ids ? a.command_ids : a.unindexed_ids;
  if (!homes_for.empty())
    if (auto err = find_homes(a.conn, sql_command_homes_, homes_for,
                              a.purged_through, a.known_commands,
                              a.purged_commands))
      return err;
  if (a.check_ids || !a.command_rows
      || a.command_ids.size() == a.unindexed_ids.size())
    return {};
  auto res = pg::exec(a.conn, sql_commands_table_ids_,
                      {pg::text_array(a.command_ids)});
  if (!res)
    return std::move(res.error());
  for (int i = 0; i < res->rows(); ++i)
    a.known_commands.insert(res->str(i, 0));
  return {};
}

caf::error postgres_event_store::decide_streams(append_attempt& a) {
  std::vector<prepared_append*> stale_with_command;
  for (auto& x : a.prepared) {
    // First: a node that lost the slice must not commit, nor learn
    // anything of the stream's state.
    if (auto err = check_fence(x, a.epochs)) {
      a.out[x.index] = std::move(err);
      continue;
    }
    // Before the expected version: a retried command is a duplicate, never
    // a conflict.
    if (!x.command_id.empty() && a.known_commands.count(x.command_id) != 0) {
      a.out[x.index] = duplicate_command_error(x);
      continue;
    }
    auto& current = a.versions[x.stream_id];
    if (auto err = check_expected_version(x, current)) {
      // Maybe a retry of a command that committed, which must be reported
      // as duplicate_command: looked up below for such streams only.
      if (!a.check_ids && !x.command_id.empty())
        stale_with_command.push_back(&x);
      a.out[x.index] = std::move(err);
      continue;
    }
    if (a.check_ids) {
      auto dup = std::find_if(x.events.begin(), x.events.end(),
                              [&](const prepared_event& ev) {
                                return a.known_events.count(ev.event_id) != 0;
                              });
      if (dup != x.events.end()) {
        a.out[x.index] = duplicate_event_id_error(dup->event_id);
        continue;
      }
      // A later stream of this call may repeat these ids.
      for (auto& ev : x.events)
        a.known_events.insert(ev.event_id);
    }
    append_result init;
    init.timestamp_us = a.timestamp;
    accepted_append acc{&x, current + 1, a.next + 1, std::move(init),
                        !x.command_id.empty() && !x.events.empty()
                          && a.purged_commands.count(x.command_id) == 0};
    for (size_t i = 0; i < x.events.size(); ++i)
      acc.result.positions.push_back(++a.next);
    current += static_cast<int64_t>(x.events.size());
    acc.result.version = current;
    // A later stream of this call may repeat this command id.
    if (!x.command_id.empty())
      a.known_commands.insert(x.command_id);
    a.accepted.push_back(std::move(acc));
  }
  if (stale_with_command.empty())
    return {};
  std::vector<std::string> ids;
  for (auto* x : stale_with_command)
    ids.push_back(x->command_id);
  std::unordered_set<std::string> stored;
  std::unordered_set<std::string> free_again;
  if (auto err = find_homes(a.conn, sql_command_homes_, ids, a.purged_through,
                            stored, free_again))
    return err;
  for (auto* x : stale_with_command)
    if (stored.count(x->command_id) != 0)
      a.out[x->index] = duplicate_command_error(*x);
  return {};
}

caf::error postgres_event_store::run_inline_projections(append_attempt& a) {
  // In this transaction, before the rows go in.
  auto inline_list = inline_.get();
  if (inline_list->empty() || a.accepted.empty())
    return {};
  std::vector<pg::inline_candidate> cs;
  cs.reserve(a.accepted.size());
  for (auto& acc : a.accepted)
    cs.push_back({acc.x, acc.first_version, acc.first_position, {}});
  auto used = pg::run_inline(a.conn, a.sql, *inline_list, cs, a.base,
                             a.timestamp, inline_deadline_);
  if (!used)
    return std::move(used.error());
  std::vector<accepted_append> kept;
  kept.reserve(a.accepted.size());
  for (size_t i = 0; i < cs.size(); ++i) {
    auto& acc = a.accepted[i];
    if (cs[i].rejected) {
      a.out[acc.x->index] = std::move(cs[i].rejected);
      continue;
    }
    acc.first_position = cs[i].first_position;
    for (size_t k = 0; k < acc.result.positions.size(); ++k)
      acc.result.positions[k] = acc.first_position + static_cast<int64_t>(k);
    kept.push_back(std::move(acc));
  }
  a.accepted = std::move(kept);
  a.next = a.base + *used;
  return {};
}

caf::error postgres_event_store::copy_rows(append_attempt& a) {
  if (a.next == a.base)
    return {};
  pg::copy_stream copy{a.conn};
  if (auto err = copy.start(sql_copy_))
    return err;
  for (auto& acc : a.accepted) {
    auto version = acc.first_version;
    auto position = acc.first_position;
    const auto& evs = acc.x->events;
    for (size_t i = 0; i < evs.size(); ++i) {
      put_row(copy.buffer(), position++, *acc.x, version++, evs[i],
              a.created_at, acc.record_on_event && i + 1 == evs.size());
      if (auto err = copy.flush_if_full())
        return err;
    }
  }
  auto res = copy.finish(static_cast<size_t>(a.next - a.base));
  if (!res)
    return std::move(res.error());
  if (PQresultStatus(res->get()) == PGRES_COMMAND_OK)
    return {};
  // A repeated event or command id, or a stream that moved past the
  // version taken without a lookup: do it again, looking everything up.
  if (!a.check_ids
      && pg::unique_violation_on(*res,
                             {"event_id", "stream_id_version", "command_id"})) {
    a.recheck = true;
    return {};
  }
  return pg::to_error(a.conn, res->get(), "COPY events");
}

caf::error postgres_event_store::record_commands(append_attempt& a) {
  pg::copy_stream copy{a.conn};
  size_t rows = 0;
  for (auto& acc : a.accepted) {
    if (acc.x->command_id.empty() || acc.record_on_event)
      continue;
    if (rows++ == 0)
      if (auto err = copy.start(sql_copy_commands_))
        return err;
    const auto& positions = acc.result.positions;
    auto& buf = copy.buffer();
    buf += acc.x->command_id; // a validated UUID
    buf += '\t';
    pg::put_copy_field(buf, acc.x->stream_id);
    buf += '\t';
    buf += std::to_string(acc.result.version);
    buf += '\t';
    buf += std::to_string(positions.empty() ? 0 : positions.front());
    buf += '\t';
    buf += std::to_string(positions.empty() ? 0 : positions.back());
    buf += '\n';
    if (auto err = copy.flush_if_full())
      return err;
  }
  if (rows == 0)
    return {};
  auto res = copy.finish(rows);
  if (!res)
    return std::move(res.error());
  if (PQresultStatus(res->get()) != PGRES_COMMAND_OK) {
    // A repeated command: do it again, looking ids up first.
    if (!a.check_ids && pg::unique_violation_on(*res, {"commands"})) {
      a.recheck = true;
      return {};
    }
    return pg::to_error(a.conn, res->get(), "record commands");
  }
  if (!a.command_rows)
    if (auto res = pg::exec(a.conn, sql_mark_command_rows_); !res)
      return std::move(res.error());
  return {};
}

void postgres_event_store::commit(append_attempt& a) {
  if (a.next != a.base + a.total) {
    // Fewer positions used than reserved (refused streams): the counter
    // takes the last one used, so positions stay dense.
    auto res = pg::exec(a.conn, sql_set_last_, {std::to_string(a.next)});
    if (!res) {
      (void) pg::exec(a.conn, "ROLLBACK");
      for (auto& x : a.prepared)
        a.out[x.index] = res.error();
      return;
    }
  }
  // What to remember once the commit holds; built before COMMIT goes out,
  // since nothing may throw between sending it and reading its result.
  std::vector<std::pair<std::string, int64_t>> committed;
  committed.reserve(a.accepted.size());
  for (auto& acc : a.accepted)
    committed.emplace_back(acc.x->stream_id, acc.result.version);
  // Other processes' feeds learn of the batch from its notification,
  // which PostgreSQL delivers when (and only if) the transaction commits;
  // sent with COMMIT, it costs no round trip.
  auto commit_sql = a.accepted.empty()
                      ? std::string{"COMMIT"}
                      : sql_notify_ + std::to_string(a.next) + "'; COMMIT";
  auto err = pg::send(a.conn, commit_sql);
  if (!err)
    if (auto res = pg::receive(a.conn, "COMMIT"); !res)
      err = std::move(res.error());
  if (err) {
    // A failed NOTIFY leaves the transaction aborted: end it here, not at
    // the connection's next lease.
    if (PQtransactionStatus(a.conn) == PQTRANS_INERROR)
      (void) pg::exec(a.conn, "ROLLBACK");
    for (auto& acc : a.accepted)
      a.out[acc.x->index] = err;
    return;
  }
  remember_versions(committed);
  for (auto& acc : a.accepted)
    a.out[acc.x->index] = std::move(acc.result);
}

void postgres_event_store::remember_versions(
  const std::vector<std::pair<std::string, int64_t>>& xs) {
  if (xs.empty())
    return;
  std::lock_guard<std::mutex> guard{known_versions_mtx_};
  if (known_versions_.size() + xs.size() > max_known_versions)
    known_versions_.clear();
  for (auto& [id, v] : xs) {
    // Keep the highest: a slower caller may report an older lookup.
    auto& known = known_versions_[id];
    known = std::max(known, v);
  }
}

void postgres_event_store::do_append(std::vector<prepared_append>& prepared,
                                     append_results& out) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease) {
    for (auto& x : prepared)
      out[x.index] = lease.error();
    return;
  }
  // Duplicate ids are rare: the fast path lets the unique index find them
  // and only then pays for looking ids up.
  try {
    if (append_once(lease->conn(), lease->session(), prepared, out, false)
        == attempt_outcome::recheck)
      append_once(lease->conn(), lease->session(), prepared, out, true);
  } catch (const std::exception& ex) {
    // Out of memory while building rows, say: roll back, so that the lease
    // goes back idle and nothing half-done can be committed later.
    (void) pg::exec(lease->conn(), "ROLLBACK");
    for (auto& x : prepared)
      out[x.index] = make_error(errc::storage_failure,
                                std::string{"append failed: "} + ex.what());
  }
}

} // namespace mink
