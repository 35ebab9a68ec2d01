#include "mink/adapters/postgres/postgres_event_store.hpp"

#include <algorithm>
#include <exception>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "mink/clock.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/sql/projection_target.hpp"
#include "mink/adapters/postgres/pg_inline.hpp"
#include "mink/adapters/postgres/pg_migrations.hpp"
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
  buf += std::to_string(position);
  buf += '\t';
  pg::put_copy_field(buf, x.stream_id);
  buf += '\t';
  buf += std::to_string(version);
  buf += '\t';
  pg::put_copy_field(buf, x.category);
  buf += '\t';
  buf += ev.event_id; // a validated UUID
  buf += '\t';
  pg::put_copy_field(buf, ev.type);
  buf += '\t';
  buf += std::to_string(ev.schema_version);
  buf += '\t';
  pg::put_copy_field(buf, ev.data);
  buf += '\t';
  pg::put_copy_field(buf, ev.metadata_json);
  buf += '\t';
  buf += created_at; // formatted here
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

/// Streams rows into COPY FROM STDIN while they are built, so that the
/// server parses and inserts one chunk while the client formats the next.
class copy_stream {
public:
  /// Builds rows in a buffer of this thread's, kept from call to call: a
  /// new one of this size would come from the kernel and go back each time.
  explicit copy_stream(PGconn* conn) : conn_(conn), buf_(thread_buffer()) {
    buf_.clear();
    buf_.reserve(chunk_size * 2);
  }

  ~copy_stream() {
    // A huge event grew it: give that back.
    if (buf_.capacity() > chunk_size * 4)
      std::string{}.swap(buf_);
  }

  copy_stream(const copy_stream&) = delete;
  copy_stream& operator=(const copy_stream&) = delete;

  /// Starts the COPY.
  caf::error start(const std::string& sql) {
    if (auto res = pg::exec(conn_, sql); !res)
      return std::move(res.error());
    return {};
  }

  /// The buffer to append rows to; call `flush_if_full` after each row.
  std::string& buffer() noexcept { return buf_; }

  caf::error flush_if_full() {
    return buf_.size() >= chunk_size ? flush() : caf::error{};
  }

  /// Ends the COPY and checks that the server stored all `count` rows.
  /// Returns the server's result, which may be an error result (such as a
  /// unique violation) for the caller to look at.
  caf::expected<pg::result> finish(size_t count) {
    if (auto err = flush())
      return err;
    if (PQputCopyEnd(conn_, nullptr) != 1)
      return pg::to_error(conn_, nullptr, "COPY");
    pg::result res{PQgetResult(conn_)};
    // Drain: libpq wants PQgetResult called until it returns null.
    while (auto extra = PQgetResult(conn_))
      PQclear(extra);
    if (PQresultStatus(res.get()) == PGRES_COMMAND_OK
        && std::string_view{PQcmdTuples(res.get())} != std::to_string(count))
      return make_error(errc::storage_failure,
                        std::string{"COPY stored "} + PQcmdTuples(res.get())
                          + " rows of " + std::to_string(count));
    return res;
  }

private:
  /// Small enough for libpq's int lengths, large enough to amortise calls.
  static constexpr size_t chunk_size = 256 * 1024;

  static std::string& thread_buffer() {
    thread_local std::string buf;
    return buf;
  }

  caf::error flush() {
    // Each chunk the server takes is progress: the statement deadline
    // counts from the last one.
    pg::watchdog::touch();
    // A single event may exceed the chunk size; send it in pieces.
    for (size_t offset = 0; offset < buf_.size(); offset += chunk_size) {
      auto len = std::min(chunk_size, buf_.size() - offset);
      if (PQputCopyData(conn_, buf_.data() + offset, static_cast<int>(len))
          != 1)
        return pg::to_error(conn_, nullptr, "COPY");
    }
    buf_.clear();
    return {};
  }

  PGconn* conn_;
  std::string& buf_;
};

/// Converts row `i` of an event query into an envelope.
caf::expected<recorded_event> to_event(const pg::result& res, int i) {
  recorded_event ev;
  ev.global_position = res.int64(i, 0);
  ev.stream_id = res.str(i, 1);
  ev.stream_version = res.int64(i, 2);
  ev.event_id = res.str(i, 3);
  ev.type = res.str(i, 4);
  ev.schema_version = static_cast<int32_t>(res.int64(i, 5));
  ev.data = res.str(i, 6);
  auto meta = metadata_from_json(res.str(i, 7));
  if (!meta)
    return make_error(errc::decode_failed,
                      "metadata of event at position "
                        + std::to_string(ev.global_position)
                        + " cannot be decoded");
  ev.meta = std::move(*meta);
  ev.timestamp_us = res.int64(i, 8);
  return ev;
}

/// Converts the rows of an event query into envelopes.
caf::expected<std::vector<recorded_event>> to_events(const pg::result& res) {
  std::vector<recorded_event> result;
  result.reserve(static_cast<size_t>(res.rows()));
  for (int i = 0; i < res.rows(); ++i) {
    auto ev = to_event(res, i);
    if (!ev)
      return std::move(ev.error());
    result.push_back(std::move(*ev));
  }
  return result;
}

constexpr const char* event_columns
  = "position, stream_id, version, event_id::text, type, schema_version, "
    "data::text, metadata::text, "
    "(extract(epoch FROM created_at) * 1000000)::bigint";

} // namespace

caf::expected<std::unique_ptr<postgres_event_store>>
postgres_event_store::open(const postgres_config& cfg) {
  if (cfg.inline_deadline.count() <= 0)
    return make_error(errc::invalid_argument,
                      "inline_deadline must be positive");
  auto connections = pg::open_migrated_pool(cfg);
  if (!connections)
    return std::move(connections.error());
  return std::unique_ptr<postgres_event_store>{
    new postgres_event_store(cfg, std::move(*connections))};
}

postgres_event_store::postgres_event_store(const postgres_config& cfg,
                                           std::unique_ptr<pg::pool> pool)
  : schema_(cfg.schema),
    acquire_timeout_(cfg.acquire_timeout),
    inline_deadline_(cfg.inline_deadline),
    pool_(std::move(pool)) {
  prepare_sql();
}

postgres_event_store::~postgres_event_store() = default;

void postgres_event_store::prepare_sql() {
  auto s = pg::quote_ident(schema_);
  auto events = s + ".events";
  auto positions = s + ".positions";
  auto select = std::string{"SELECT "} + event_columns + " FROM " + events;
  sql_reserve_ = "UPDATE " + positions
                 + " SET last = last + $n WHERE id = 1"
                   " RETURNING last - $n, command_rows, commands_purged_through,"
                   " (extract(epoch FROM clock_timestamp()) * 1000000)::bigint";
  sql_versions_ = "SELECT s.id, (SELECT max(version) FROM " + events
                  + " e WHERE e.stream_id = s.id) FROM unnest($1::text[]) "
                    "AS s(id)";
  sql_known_ids_ = "SELECT event_id::text FROM " + events
                   + " WHERE event_id = ANY($1::uuid[])";
  sql_copy_ = "COPY " + events
              + " (position, stream_id, version, category, event_id, type, "
                "schema_version, data, metadata, created_at, command_id, "
                "command_events)"
                " FROM STDIN";
  sql_set_last_ = "UPDATE " + positions + " SET last = $1 WHERE id = 1";
  sql_read_forward_ = select
                      + " WHERE stream_id = $1 AND version >= $2"
                        " ORDER BY version LIMIT $3";
  sql_read_backward_ = select
                       + " WHERE stream_id = $1 AND version <= $2"
                         " ORDER BY version DESC LIMIT $3";
  // Each read's events in version order, then its 1-based index. The
  // lateral subquery walks the (stream_id, version) index once per read.
  sql_read_streams_name_ = pg::statement_name("mink_read_streams_", schema_);
  sql_read_streams_ = std::string{"SELECT e.*, r.i FROM unnest($1::text[],"
                                  " $2::bigint[]) WITH ORDINALITY"
                                  " AS r(id, from_version, i)"
                                  " CROSS JOIN LATERAL (SELECT "}
                      + event_columns + " FROM " + events
                      + " WHERE stream_id = r.id AND version >= r.from_version"
                        " ORDER BY version LIMIT $3) AS e"
                        " ORDER BY r.i, e.version";
  sql_read_all_ = select
                  + " WHERE position >= $1 AND ($2 = '' OR category = $2)"
                    " AND (cardinality($3::text[]) = 0"
                    " OR type = ANY($3::text[]))"
                    " ORDER BY position LIMIT $4";
  sql_stream_info_ = "SELECT max(version) FROM " + events
                     + " WHERE stream_id = $1";
  sql_last_position_ = "SELECT last FROM " + positions + " WHERE id = 1";
  auto commands = s + ".commands";
  sql_commands_table_ids_ = "SELECT command_id::text FROM " + commands
                            + " WHERE command_id = ANY($1::uuid[])";
  // Where each id is recorded: live (a repeat) or on an event at or below
  // the purge mark (free; a new record of it goes to the commands table).
  sql_command_homes_ = "SELECT command_id::text, true FROM " + commands
                       + " WHERE command_id = ANY($1::uuid[]) UNION ALL"
                         " SELECT command_id::text, position > $2 FROM "
                       + events + " WHERE command_id = ANY($1::uuid[])";
  sql_copy_commands_ = "COPY " + commands
                       + " (command_id, stream_id, version, first_position,"
                         " last_position) FROM STDIN";
  sql_mark_command_rows_ = "UPDATE " + positions
                           + " SET command_rows = true WHERE id = 1";
  prepare_command_sql();
}

postgres_event_store::attempt_outcome
postgres_event_store::append_once(PGconn* conn, soci::session& sql,
                                  std::vector<prepared_append>& prepared,
                                  append_results& out, bool check_ids) {
  auto fail_all = [&](const caf::error& err) {
    (void) pg::exec(conn, "ROLLBACK");
    for (auto& x : prepared)
      out[x.index] = err;
    return attempt_outcome::done;
  };
  int64_t total = 0;
  for (auto& x : prepared)
    total += static_cast<int64_t>(x.events.size());
  // BEGIN and the counter lock in one round trip; the count is a number
  // formatted here, not user input.
  auto reserve = sql_reserve_;
  for (auto pos = reserve.find("$n"); pos != std::string::npos;
       pos = reserve.find("$n"))
    reserve.replace(pos, 2, std::to_string(total));
  // READ COMMITTED whatever the role's default: each statement must see
  // what the writer before us committed while we waited for the lock.
  auto begin_sql = "BEGIN ISOLATION LEVEL READ COMMITTED; " + reserve;
  if (auto err = pg::send(conn, begin_sql))
    return fail_all(err);
  // While the server takes the lock, the work that needs no database: which
  // streams need a version lookup, which appends carry command ids.
  // Versions are read after the lock, so no other writer can move them.
  // On the fast path a stream whose exact expected version is 0 or the
  // version remembered for it needs no lookup: taking the expected version
  // as current is safe, because the stream is at least there (versions
  // only grow) and any later version makes the unique (stream_id, version)
  // index refuse the insert, which sends the call down the slow path.
  std::vector<std::string> ids;
  // Keys view the stream ids of `prepared`, which outlive this map.
  std::unordered_map<std::string_view, int64_t> versions;
  versions.reserve(prepared.size());
  {
    std::lock_guard<std::mutex> guard{known_versions_mtx_};
    for (auto& x : prepared) {
      auto [slot, fresh] = versions.emplace(x.stream_id, 0);
      if (!fresh)
        continue;
      if (!check_ids && x.expected.mode() == expected_version::kind::exact) {
        auto v = x.expected.value();
        auto known = known_versions_.find(x.stream_id);
        if (v == 0 || (known != known_versions_.end() && known->second == v)) {
          slot->second = v;
          continue;
        }
      }
      ids.push_back(x.stream_id);
    }
  }
  std::vector<std::string> command_ids;
  std::vector<std::string> unindexed_ids; // commands without events
  for (auto& x : prepared)
    if (!x.command_id.empty()) {
      command_ids.push_back(x.command_id);
      if (x.events.empty())
        unindexed_ids.push_back(x.command_id);
    }
  auto base_res = pg::receive(conn, begin_sql);
  if (!base_res)
    return fail_all(base_res.error());
  auto base = base_res->int64(0, 0);
  auto command_rows = base_res->text(0, 1) == "t";
  auto purged_through = base_res->int64(0, 2);
  // The write time of every event of this call: the server's clock once
  // the position lock is ours, so it grows with the position across all
  // writers. Chosen before the rows are written and returned with the
  // results, so that what is passed on live (the feed, inline projections)
  // equals what reads return: microseconds, which timestamptz keeps.
  auto timestamp = base_res->int64(0, 3);
  auto created_at = pg::timestamptz_literal(timestamp);
  if (!ids.empty()) {
    auto ver_res = pg::exec(conn, sql_versions_, {pg::text_array(ids)});
    if (!ver_res)
      return fail_all(ver_res.error());
    std::vector<std::pair<std::string, int64_t>> looked_up;
    for (int i = 0; i < ver_res->rows(); ++i)
      if (!ver_res->is_null(i, 1)) {
        auto id = ver_res->str(i, 0);
        auto v = ver_res->int64(i, 1);
        // Every id asked for is a key already.
        if (auto slot = versions.find(id); slot != versions.end())
          slot->second = v;
        looked_up.emplace_back(std::move(id), v);
      }
    // Committed versions: lower bounds whatever becomes of this call.
    remember_versions(looked_up);
  }
  std::unordered_set<std::string> known;
  if (check_ids) {
    std::vector<std::string> event_ids;
    for (auto& x : prepared)
      for (auto& ev : x.events)
        event_ids.push_back(ev.event_id);
    auto known_res = pg::exec(conn, sql_known_ids_, {pg::text_array(event_ids)});
    if (!known_res)
      return fail_all(known_res.error());
    for (int i = 0; i < known_res->rows(); ++i)
      known.insert(known_res->str(i, 0));
  }
  // Recorded command ids. A command with events records itself on its last
  // event, where the fast path lets the unique index find repeats. On the
  // slow path, and for commands without events (recorded in the commands
  // table, which the index does not cover), both homes are looked up; the
  // commands table alone when it may hold records. All under the position
  // lock, so no other writer can record one meanwhile.
  std::unordered_set<std::string> known_commands;
  // Ids on events at or below the purge mark: free, but the index still
  // holds them, so their new records go to the commands table.
  std::unordered_set<std::string> purged_commands;
  // Sorts `ids` into recorded ones (`live`) and purged ones still on an
  // event (`purged`), in one statement.
  auto find_homes = [&](const std::vector<std::string>& ids,
                        std::unordered_set<std::string>& live,
                        std::unordered_set<std::string>& purged) {
    auto res = pg::exec(conn, sql_command_homes_,
                        {pg::text_array(ids), std::to_string(purged_through)});
    if (!res)
      return std::move(res.error());
    for (int i = 0; i < res->rows(); ++i)
      (res->text(i, 1) == "t" ? live : purged).insert(res->str(i, 0));
    return caf::error{};
  };
  auto& homes_for = check_ids ? command_ids : unindexed_ids;
  if (!homes_for.empty()) {
    if (auto err = find_homes(homes_for, known_commands, purged_commands))
      return fail_all(err);
  }
  if (!check_ids && command_rows && command_ids.size() > unindexed_ids.size()) {
    auto res = pg::exec(conn, sql_commands_table_ids_,
                        {pg::text_array(command_ids)});
    if (!res)
      return fail_all(res.error());
    for (int i = 0; i < res->rows(); ++i)
      known_commands.insert(res->str(i, 0));
  }
  // Decide every stream first; positions go to accepted streams only.
  struct accepted_append {
    prepared_append* x;
    int64_t first_version;
    int64_t first_position;
    append_result result;
    /// Whether the command's record goes on its last event (else, when it
    /// has a command id, into the commands table).
    bool record_on_event;
  };
  std::vector<accepted_append> accepted;
  std::vector<prepared_append*> stale_with_command;
  auto next = base;
  for (auto& x : prepared) {
    // Before the expected version: a retried command is a duplicate, never
    // a conflict.
    if (!x.command_id.empty() && known_commands.count(x.command_id) != 0) {
      out[x.index] = duplicate_command_error(x);
      continue;
    }
    auto& current = versions[x.stream_id];
    if (auto err = check_expected_version(x, current)) {
      // Maybe a retry of a command that committed, which must be reported
      // as duplicate_command: looked up below for such streams only.
      if (!check_ids && !x.command_id.empty())
        stale_with_command.push_back(&x);
      out[x.index] = std::move(err);
      continue;
    }
    if (check_ids) {
      auto dup = std::find_if(x.events.begin(), x.events.end(),
                              [&](const prepared_event& ev) {
                                return known.count(ev.event_id) != 0;
                              });
      if (dup != x.events.end()) {
        out[x.index] = duplicate_event_id_error(dup->event_id);
        continue;
      }
      // A later stream of this call may repeat these ids.
      for (auto& ev : x.events)
        known.insert(ev.event_id);
    }
    append_result init;
    init.timestamp_us = timestamp;
    accepted_append acc{&x, current + 1, next + 1, std::move(init),
                        !x.command_id.empty() && !x.events.empty()
                          && purged_commands.count(x.command_id) == 0};
    for (size_t i = 0; i < x.events.size(); ++i)
      acc.result.positions.push_back(++next);
    current += static_cast<int64_t>(x.events.size());
    acc.result.version = current;
    // A later stream of this call may repeat this command id.
    if (!x.command_id.empty())
      known_commands.insert(x.command_id);
    accepted.push_back(std::move(acc));
  }
  if (!stale_with_command.empty()) {
    std::vector<std::string> ids;
    for (auto* x : stale_with_command)
      ids.push_back(x->command_id);
    std::unordered_set<std::string> stored;
    std::unordered_set<std::string> free_again;
    if (auto err = find_homes(ids, stored, free_again))
      return fail_all(err);
    for (auto* x : stale_with_command)
      if (stored.count(x->command_id) != 0)
        out[x->index] = duplicate_command_error(*x);
  }
  // Inline projections, in this transaction, before the rows go in: a
  // stream they reject is dropped and the others get dense positions anew.
  auto inline_list = inline_.get();
  if (!inline_list->empty() && !accepted.empty()) {
    std::vector<pg::inline_candidate> cs;
    cs.reserve(accepted.size());
    for (auto& acc : accepted)
      cs.push_back({acc.x, acc.first_version, acc.first_position, {}});
    auto used = pg::run_inline(conn, sql, *inline_list, cs, base, timestamp,
                               inline_deadline_);
    if (!used)
      return fail_all(used.error());
    std::vector<accepted_append> kept;
    kept.reserve(accepted.size());
    for (size_t i = 0; i < cs.size(); ++i) {
      auto& acc = accepted[i];
      if (cs[i].rejected) {
        out[acc.x->index] = std::move(cs[i].rejected);
        continue;
      }
      acc.first_position = cs[i].first_position;
      for (size_t k = 0; k < acc.result.positions.size(); ++k)
        acc.result.positions[k] = acc.first_position + static_cast<int64_t>(k);
      kept.push_back(std::move(acc));
    }
    accepted = std::move(kept);
    next = base + *used;
  }
  if (next > base) {
    copy_stream copy{conn};
    if (auto err = copy.start(sql_copy_))
      return fail_all(err);
    for (auto& acc : accepted) {
      auto version = acc.first_version;
      auto position = acc.first_position;
      const auto& evs = acc.x->events;
      for (size_t i = 0; i < evs.size(); ++i) {
        put_row(copy.buffer(), position++, *acc.x, version++, evs[i],
                created_at, acc.record_on_event && i + 1 == evs.size());
        if (auto err = copy.flush_if_full())
          return fail_all(err);
      }
    }
    auto copy_res = copy.finish(static_cast<size_t>(next - base));
    if (!copy_res)
      return fail_all(copy_res.error());
    if (PQresultStatus(copy_res->get()) != PGRES_COMMAND_OK) {
      auto state = pg::sqlstate(copy_res->get());
      auto constraint = PQresultErrorField(copy_res->get(),
                                           PG_DIAG_CONSTRAINT_NAME);
      // A repeated event or command id, or a stream that moved past the
      // version taken without a lookup: do it again, looking everything up.
      auto names = [&](std::string_view part) {
        return std::string_view{constraint}.find(part)
               != std::string_view::npos;
      };
      if (!check_ids && state == "23505" && constraint != nullptr
          && (names("event_id") || names("stream_id_version")
              || names("command_id"))) {
        (void) pg::exec(conn, "ROLLBACK");
        return attempt_outcome::recheck;
      }
      return fail_all(pg::to_error(conn, copy_res->get(), "COPY events"));
    }
  }
  auto table_records = std::count_if(
    accepted.begin(), accepted.end(), [](const accepted_append& acc) {
      return !acc.x->command_id.empty() && !acc.record_on_event;
    });
  if (table_records > 0) {
    // The records that no event carries, in one COPY after the events.
    copy_stream copy{conn};
    size_t rows = 0;
    if (auto err = copy.start(sql_copy_commands_))
      return fail_all(err);
    for (auto& acc : accepted) {
      if (acc.x->command_id.empty() || acc.record_on_event)
        continue;
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
      ++rows;
      if (auto err = copy.flush_if_full())
        return fail_all(err);
    }
    auto ins = copy.finish(rows);
    if (!ins)
      return fail_all(ins.error());
    if (PQresultStatus(ins->get()) != PGRES_COMMAND_OK) {
      auto constraint = PQresultErrorField(ins->get(), PG_DIAG_CONSTRAINT_NAME);
      if (!check_ids && pg::sqlstate(ins->get()) == "23505"
          && constraint != nullptr
          && std::string_view{constraint}.find("commands")
               != std::string_view::npos) {
        // A repeated command: do it again, looking ids up first.
        (void) pg::exec(conn, "ROLLBACK");
        return attempt_outcome::recheck;
      }
      return fail_all(pg::to_error(conn, ins->get(), "record commands"));
    }
    if (!command_rows) {
      if (auto res = pg::exec(conn, sql_mark_command_rows_); !res)
        return fail_all(res.error());
    }
  }
  if (next != base + total) {
    auto set_res = pg::exec(conn, sql_set_last_, {std::to_string(next)});
    if (!set_res)
      return fail_all(set_res.error());
  }
  // What to remember once the commit holds; built before COMMIT goes out,
  // since nothing may throw between sending it and reading its result.
  std::vector<std::pair<std::string, int64_t>> committed;
  committed.reserve(accepted.size());
  for (auto& acc : accepted)
    committed.emplace_back(acc.x->stream_id, acc.result.version);
  auto commit = pg::send(conn, "COMMIT");
  if (!commit) {
    if (auto res = pg::receive(conn, "COMMIT"); !res)
      commit = std::move(res.error());
  }
  if (commit) {
    for (auto& acc : accepted)
      out[acc.x->index] = commit;
    return attempt_outcome::done;
  }
  remember_versions(committed);
  for (auto& acc : accepted)
    out[acc.x->index] = std::move(acc.result);
  return attempt_outcome::done;
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

caf::error
postgres_event_store::do_add_inline(std::shared_ptr<sql_projection> p) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto name = p->name();
  if (auto res = pg::exec(lease->conn(), "BEGIN"); !res)
    return std::move(res.error());
  auto err = call_handler(name, [&] { return p->setup(lease->session()); });
  if (err) {
    (void) pg::exec(lease->conn(), "ROLLBACK");
    return err;
  }
  if (auto res = pg::exec(lease->conn(), "COMMIT"); !res)
    return std::move(res.error());
  inline_.add(std::move(p));
  return {};
}

caf::expected<std::vector<recorded_event>>
postgres_event_store::do_read_stream(const std::string& stream_id,
                                     int64_t from_version, size_t limit,
                                     read_direction dir) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto& sql = dir == read_direction::forward ? sql_read_forward_
                                             : sql_read_backward_;
  auto res = pg::exec(lease->conn(), sql,
                      {stream_id, std::to_string(from_version),
                       std::to_string(limit)});
  if (!res)
    return std::move(res.error());
  return to_events(*res);
}

void postgres_event_store::do_read_streams(const std::vector<stream_read>& reads,
                                           size_t limit, stream_reads& out) {
  auto fail_all = [&](const caf::error& err) {
    for (auto& x : out)
      x = err;
  };
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return fail_all(lease.error());
  std::vector<std::string> ids;
  std::vector<int64_t> froms;
  ids.reserve(reads.size());
  froms.reserve(reads.size());
  for (const auto& r : reads) {
    ids.push_back(r.stream_id);
    froms.push_back(r.from_version);
  }
  auto res = pg::exec_prepared(lease->conn(), sql_read_streams_name_,
                               sql_read_streams_,
                               {pg::text_array(ids), pg::int64_array(froms),
                                std::to_string(limit)});
  if (!res)
    return fail_all(res.error());
  // Each stream's events in one allocation: an envelope is large to move.
  std::vector<size_t> counts(out.size());
  for (int row = 0; row < res->rows(); ++row) {
    auto i = static_cast<size_t>(res->int64(row, 9) - 1);
    if (i < counts.size())
      ++counts[i];
  }
  for (size_t i = 0; i < out.size(); ++i)
    out[i]->reserve(counts[i]);
  // A row that cannot be decoded fails its own stream alone.
  for (int row = 0; row < res->rows(); ++row) {
    auto i = static_cast<size_t>(res->int64(row, 9) - 1);
    if (i >= out.size() || !out[i])
      continue;
    if (auto ev = to_event(*res, row))
      out[i]->push_back(std::move(*ev));
    else
      out[i] = std::move(ev.error());
  }
}

caf::expected<std::vector<recorded_event>>
postgres_event_store::do_read_all(int64_t from_position, size_t limit,
                                  const read_filter& filter) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_read_all_,
                      {std::to_string(from_position), filter.category,
                       pg::text_array(filter.event_types),
                       std::to_string(limit)});
  if (!res)
    return std::move(res.error());
  return to_events(*res);
}

caf::expected<mink::stream_info>
postgres_event_store::do_stream_info(const std::string& stream_id) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_stream_info_, {stream_id});
  if (!res)
    return std::move(res.error());
  if (res->is_null(0, 0))
    return mink::stream_info{};
  return mink::stream_info{true, res->int64(0, 0)};
}

caf::expected<int64_t> postgres_event_store::do_last_position() {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_last_position_);
  if (!res)
    return std::move(res.error());
  return res->int64(0, 0);
}

} // namespace mink
