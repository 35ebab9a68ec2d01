#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/event.hpp"
#include "mink/store/append.hpp"
#include "mink/store/command_record.hpp"
#include "mink/store/commit_watch.hpp"
#include "mink/store/storage_usage.hpp"

namespace mink {

class sql_projection;

/// Direction of a stream read.
enum class read_direction { forward, backward };

/// The highest version any stream can have: read backward from here to start
/// at a stream's last event.
constexpr int64_t end_of_stream = std::numeric_limits<int64_t>::max();

/// The largest event data accepted, in bytes. Larger data is rejected with
/// `invalid_argument` for its stream alone (databases would fail the whole
/// call: SQLite's value limit, PostgreSQL's 1 GB field limit).
constexpr size_t max_event_data_size = size_t{16} << 20;

/// Checks what `event_store::import_events` requires of one event on its
/// own, apart from its data and metadata: a valid stream id, position and
/// version at least 1, a UUID as event id, a timestamp from 1970 to the
/// year 9999, a valid type name and schema version. Fails with
/// `invalid_argument` naming the problem. (`mink import` checks each line
/// with it, to name the line.)
[[nodiscard]] caf::error check_import_event(const recorded_event& ev);

/// Narrows `read_all`. Empty members match everything.
struct read_filter {
  /// Only events of streams in this category (`Category` of `Category-id`).
  std::string category;
  /// Only events of these types.
  std::vector<std::string> event_types;
};

/// What the store knows of one stream.
struct stream_info {
  bool exists = false;
  /// The version of the stream's last event; 0 when it does not exist.
  int64_t version = 0;
};

/// What `event_store::list_streams` tells of one stream.
struct stream_summary {
  std::string stream_id;
  /// The version of the stream's last event (its number of events).
  int64_t version = 0;
  /// The global position of the stream's last event.
  int64_t last_position = 0;
};

/// One stream of an `event_store::read_streams` call.
struct stream_read {
  std::string stream_id;
  /// The first version to read (at least 1).
  int64_t from_version = 1;
};

/// Per-stream results of `event_store::read_streams`, in request order.
using stream_reads = std::vector<caf::expected<std::vector<recorded_event>>>;

/// Per-stream results of one append call, in the order of the request.
using append_results = std::vector<caf::expected<append_result>>;

/// The event store port. Adapters (memory, SQLite, PostgreSQL) implement the
/// protected `do_*` members; the public members validate the input first, so
/// every adapter rejects bad input the same way.
///
/// Guarantees of every adapter:
/// - Stream versions are 1-based and dense.
/// - Global positions are 1-based, dense, and follow commit order: a reader
///   that sees position p has seen every position below p.
/// - In one `append` call, each stream commits or fails on its own; a
///   failing stream never changes what the others write.
/// - An event id that the store already holds fails that stream's append
///   with `errc::duplicate_event_id` and writes nothing for it.
/// - A command id (`stream_append::command_id`) is recorded in the same
///   transaction as its stream's events; one that the store already
///   recorded fails that stream's append with `errc::duplicate_command`
///   and writes nothing for it.
/// - All member functions are safe to call from many threads at once.
/// - No exception leaves a member function: an adapter's exception becomes
///   `storage_failure`.
class event_store {
public:
  virtual ~event_store();

  /// Appends events to one or many streams. Each result is either the
  /// stream's new version and its events' positions, or that stream's error:
  /// `wrong_expected_version`, `invalid_argument`, `duplicate_event_id`,
  /// `duplicate_command`, `store_unavailable` or `storage_failure`. A stream
  /// with no events checks its expected version and writes nothing but its
  /// command record (when it carries a command id).
  ///
  /// A stream with a command id that the store already recorded fails with
  /// `duplicate_command` before its expected version is checked, so a
  /// retried command never reports a version conflict. Within one call,
  /// command ids are decided in order like event ids: a later stream
  /// repeating the id of an earlier stream that committed fails; the id of
  /// an earlier stream that failed is still free.
  /// Takes the batch by value: pass it with `std::move` and no event data
  /// is copied on the way to the database.
  [[nodiscard]] append_results append(std::vector<stream_append> batch);

  /// Appends to a single stream.
  [[nodiscard]] caf::expected<append_result>
  append(const std::string& stream_id, expected_version expected,
         std::vector<event_data> events);

  /// The first half of `append`, for callers that check and encode
  /// appends on one thread and commit them on another (the persistence
  /// actor): the append checked, encoded and sealed, or the error `append`
  /// would answer for it (`invalid_argument`, or `duplicate_event_id` for
  /// an id twice in it). Needs no store.
  [[nodiscard]] static caf::expected<checked_append>
  prepare_append(stream_append in);

  /// The second half of `append`: commits appends made by `prepare_append`
  /// as one call, with `append`'s guarantees. Result i belongs to
  /// `appends[i]`. The appends stay with the caller, who may read their
  /// encoded events afterwards.
  [[nodiscard]] append_results
  append_checked(std::vector<checked_append>& appends);

private:
  /// Checks and encodes `in` (see `prepare_append`).
  [[nodiscard]] static caf::expected<prepared_append> check(stream_append in);

  /// Passes prepared appends to `do_append`; results go to each `index`.
  /// Fenced appends are refused here when the adapter `takes_fences` not.
  void commit_prepared(std::vector<prepared_append>& prepared,
                       append_results& results);

  /// `do_append`, with what it throws turned into `storage_failure`.
  void run_append(std::vector<prepared_append>& prepared,
                  append_results& results);

public:
  /// Reads up to `limit` events of one stream, starting at `from_version`
  /// (inclusive) and going in direction `dir`. Fails with
  /// `stream_not_found` when the stream has no events.
  [[nodiscard]] caf::expected<std::vector<recorded_event>>
  read_stream(const std::string& stream_id, int64_t from_version,
              size_t limit, read_direction dir = read_direction::forward);

  /// Reads many streams forward at once: for each of `reads`, up to
  /// `limit_per_stream` events from its `from_version` on, in version order.
  /// Result i belongs to `reads[i]`; a stream may occur more than once.
  /// Unlike `read_stream`, a stream that has no events from `from_version`
  /// on (or none at all) reads as empty rather than `stream_not_found`:
  /// telling the two apart would cost a lookup per stream. A stream with an
  /// invalid id or a `from_version` below 1 fails alone with
  /// `invalid_argument`, as does one whose stored events cannot be decoded
  /// (`decode_failed`); a database failure fails every stream of the call.
  /// Adapters may read all streams in one query (PostgreSQL does); the
  /// default reads them one by one. With `limit_per_stream` 0 every result
  /// is empty.
  [[nodiscard]] stream_reads read_streams(const std::vector<stream_read>& reads,
                                          size_t limit_per_stream);

  /// Reads up to `limit` events in global order, starting at `from_position`
  /// (inclusive, 1 is the first), skipping events that `filter` excludes.
  [[nodiscard]] caf::expected<std::vector<recorded_event>>
  read_all(int64_t from_position, size_t limit, const read_filter& filter = {});

  /// Returns whether a stream exists and its version.
  [[nodiscard]] caf::expected<mink::stream_info>
  stream_info(const std::string& stream_id);

  /// Returns the highest global position; 0 for an empty store.
  [[nodiscard]] caf::expected<int64_t> last_position();

  /// Counts what the store holds: its events and the bytes of each part
  /// (see `storage_usage`). One or two queries or file lookups, cheap but
  /// not free: call it on an interval, not per request. Fails as
  /// `last_position` does.
  [[nodiscard]] caf::expected<mink::storage_usage> storage_usage();

  /// Returns the record of the command `command_id` (a UUID, in any case),
  /// or `std::nullopt` when the store holds none (never recorded, or
  /// purged). Fails with `invalid_argument` when the id is not a UUID.
  [[nodiscard]] caf::expected<std::optional<command_record>>
  find_command(const std::string& command_id);

  /// Deletes the command records written before `older_than_us`
  /// (microseconds since the Unix epoch) and returns how many it deleted.
  /// A purged command id is free again: retention bounds how long a retry
  /// is recognized. Events are never deleted.
  [[nodiscard]] caf::expected<size_t> purge_commands(int64_t older_than_us);

  /// Runs `p` inline: inside every later append transaction, on the events
  /// of each stream that commits. Its read-model writes commit with the
  /// events; when it fails (an error or an exception), that stream's append
  /// alone is rejected with `projection_failed` and writes nothing, while
  /// the other streams of the call commit. Calls `p->setup` first, in a
  /// transaction of its own. Only the SQLite and PostgreSQL adapters run
  /// inline projections; the memory store fails with `invalid_argument`.
  /// Add them before appending: appends already running do not see them.
  [[nodiscard]] caf::error add_inline(std::shared_ptr<sql_projection> p);

  /// Lists up to `limit` streams ordered by stream id (by bytes), starting
  /// after `after_stream_id` (exclusive; empty to start at the first). With
  /// a `category`, lists only streams of that category. To page, pass the
  /// last stream id of one page as `after_stream_id` of the next. Fails with
  /// `invalid_argument` for an invalid `after_stream_id` or category.
  [[nodiscard]] caf::expected<std::vector<stream_summary>>
  list_streams(const std::string& after_stream_id, size_t limit,
               const std::string& category = {});

  /// Stores events recorded elsewhere (an export of another store) with
  /// their positions, versions, event ids, metadata and timestamps, all or
  /// nothing: the whole batch commits in one transaction, or nothing is
  /// written. The store's guarantees hold afterwards, so the batch must:
  /// - have dense positions starting at `last_position() + 1`, in order
  ///   (`wrong_expected_version` otherwise);
  /// - continue each stream densely from its stored version
  ///   (`wrong_expected_version` otherwise);
  /// - hold valid events (as `append` checks them) with UUIDs as event ids
  ///   and timestamps from 0 to the year 9999 (`invalid_argument`);
  /// - repeat no stored or batch event id (`duplicate_event_id`).
  /// Inline projections do not run on imported events: a store with inline
  /// projections refuses imports (`invalid_argument`). Command records are
  /// not imported. An empty batch succeeds and writes nothing.
  [[nodiscard]] caf::error import_events(std::vector<recorded_event> events);

  /// Calls `on_commit` soon after any process commits appends to this store
  /// (this one included), until the returned watch is destroyed: what wakes
  /// the event feed of one process for the commits of another. A hint, not
  /// a feed: a call may come late, twice, or not at all (while the watch
  /// reconnects), so readers still read the store and poll now and then.
  /// Returns null when the adapter cannot watch (memory and SQLite: their
  /// writers share a process, whose persistence actor publishes what it
  /// commits). PostgreSQL: LISTEN/NOTIFY, one notification per committed
  /// append call, on a connection of the watch's own.
  [[nodiscard]] std::unique_ptr<commit_watch>
  watch_commits(commit_callback on_commit);

protected:
  /// Appends validated streams. `out` has one slot per stream of the
  /// original batch; the adapter fills the slots named by `prepared[i].index`.
  /// Streams appear in request order; a stream may occur more than once,
  /// and an event id may occur in more than one stream: the adapter rejects
  /// it, with `duplicate_event_id`, in the first stream after one that
  /// committed it (an earlier stream that fails leaves the id free).
  /// Command ids (validated, lower case, empty for none) follow the same
  /// rule with `duplicate_command`, checked before the expected version;
  /// the adapter writes each accepted stream's command record in the
  /// transaction of its events.
  virtual void do_append(std::vector<prepared_append>& prepared,
                         append_results& out)
    = 0;

  /// Reads a stream; arguments are validated, `limit` > 0. Returns an empty
  /// vector when nothing matches (the port maps that to `stream_not_found`
  /// when the stream does not exist).
  virtual caf::expected<std::vector<recorded_event>>
  do_read_stream(const std::string& stream_id, int64_t from_version,
                 size_t limit, read_direction dir)
    = 0;

  /// Reads many streams forward; `reads` are validated, `limit` > 0 and at
  /// most INT64_MAX, and `out` has one slot per read, preset to an empty
  /// vector. Fills every slot: events (empty when none), or that stream's
  /// error. May throw on a database failure (the port then fails every
  /// slot). The default calls `do_read_stream` for each.
  virtual void do_read_streams(const std::vector<stream_read>& reads,
                               size_t limit, stream_reads& out);

  virtual caf::expected<std::vector<recorded_event>>
  do_read_all(int64_t from_position, size_t limit, const read_filter& filter)
    = 0;

  virtual caf::expected<mink::stream_info>
  do_stream_info(const std::string& stream_id)
    = 0;

  virtual caf::expected<int64_t> do_last_position() = 0;

  /// Counts events and bytes. The default counts events only
  /// (`do_last_position`), for stores with nothing on disk.
  virtual caf::expected<mink::storage_usage> do_storage_usage();

  /// Looks a command record up; `command_id` is a UUID in lower case.
  virtual caf::expected<std::optional<command_record>>
  do_find_command(const std::string& command_id)
    = 0;

  /// Deletes command records whose timestamp is below `older_than_us`.
  virtual caf::expected<size_t> do_purge_commands(int64_t older_than_us) = 0;

  /// Sets `p` up and adds it to the inline projections; `p` is not null
  /// and its name is valid. The default fails with `invalid_argument`.
  virtual caf::error do_add_inline(std::shared_ptr<sql_projection> p);

  /// Lists streams; arguments are validated, `limit` > 0 and at most
  /// INT64_MAX, `category` is empty or a valid category.
  virtual caf::expected<std::vector<stream_summary>>
  do_list_streams(const std::string& after_stream_id, size_t limit,
                  const std::string& category)
    = 0;

  /// Imports a validated, non-empty batch: event ids are lower-case UUIDs,
  /// unique within the batch; positions are dense and ascending; versions
  /// are dense per stream within the batch; `metadata_json` holds each
  /// event's encoded metadata. The adapter checks, under its write lock,
  /// that the first position is `last_position() + 1`, that each stream's
  /// first version in the batch is its stored version + 1 and that no event
  /// id is stored, and writes all or nothing.
  virtual caf::error do_import(const std::vector<import_event>& events) = 0;

  /// Starts a watch; `on_commit` is not empty. The default returns null.
  virtual std::unique_ptr<commit_watch>
  do_watch_commits(commit_callback on_commit);

  /// Whether the adapter checks `stream_append::fence` in its append
  /// transaction; appends with an active fence are refused otherwise. The
  /// default says no.
  [[nodiscard]] virtual bool takes_fences() const noexcept;
};

} // namespace mink

/// Declares the overrides every `event_store` adapter implements, for the
/// `protected:` section of its class (add `do_read_streams` and
/// `do_add_inline` where the adapter has its own).
#define MINK_EVENT_STORE_OVERRIDES                                             \
  void do_append(std::vector<prepared_append>& prepared, append_results& out)  \
    override;                                                                  \
  caf::expected<std::vector<recorded_event>> do_read_stream(                   \
    const std::string& stream_id, int64_t from_version, size_t limit,          \
    read_direction dir) override;                                              \
  caf::expected<std::vector<recorded_event>> do_read_all(                      \
    int64_t from_position, size_t limit, const read_filter& filter) override;  \
  caf::expected<mink::stream_info> do_stream_info(                             \
    const std::string& stream_id) override;                                    \
  caf::expected<int64_t> do_last_position() override;                          \
  caf::expected<std::optional<command_record>> do_find_command(                \
    const std::string& command_id) override;                                   \
  caf::expected<size_t> do_purge_commands(int64_t older_than_us) override;     \
  caf::expected<std::vector<stream_summary>> do_list_streams(                  \
    const std::string& after_stream_id, size_t limit,                          \
    const std::string& category) override;                                    \
  caf::error do_import(const std::vector<import_event>& events) override;
