#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/event.hpp"
#include "mink/projection/projection_state.hpp"

namespace mink {

/// One projection's stored record: its checkpoint, what operators asked of
/// it, and what its runner last reported. Operators (the CLI, another
/// process) write the requests; the runner obeys them.
struct projection_record {
  std::string name;
  /// The global position of the last event the projection applied; 0 when
  /// it applied none.
  int64_t position = 0;
  /// Whether operators want it running or paused.
  projection_desired desired = projection_desired::running;
  /// A pending reset: the runner moves the checkpoint here and applies the
  /// events after it again.
  std::optional<int64_t> reset_to;
  /// A pending rebuild: the runner clears the read model and replays every
  /// event.
  bool rebuild_requested = false;
  /// The state its runner last reported (`stopped` until one does).
  projection_state state = projection_state::stopped;
  /// The last error its runner reported; empty when none.
  std::string last_error;
  /// How many events it was behind the head when last reported.
  int64_t lag_events = 0;
  /// How old, in seconds, the oldest event it had not applied was.
  double lag_seconds = 0;
  /// Who runs it (e.g. `pid@host`); empty when no runner reported.
  std::string runner;
  /// When its runner last reported, in microseconds since the epoch.
  int64_t reported_us = 0;
};

/// What a runner reports about its projection.
struct projection_report {
  projection_state state = projection_state::running;
  int64_t lag_events = 0;
  double lag_seconds = 0;
  std::string last_error;
  std::string runner;
};

/// An event a projection skipped under its error policy, kept for an
/// operator to look at and replay.
struct dead_letter {
  std::string projection;
  /// The event's global position (unique per projection).
  int64_t position = 0;
  std::string event_id;
  std::string stream_id;
  std::string event_type;
  /// Why the handler failed.
  std::string error;
  /// When it was parked, in microseconds since the epoch.
  int64_t parked_us = 0;
  /// An operator asked the runner to apply it again.
  bool replay_requested = false;
};

/// Proof that this process runs a projection; at most one lease per
/// projection exists across all processes sharing the store. Destroying
/// it gives the projection up.
class runner_lease {
public:
  virtual ~runner_lease();

  /// Returns whether the lease still holds (e.g. the database connection
  /// that holds it is alive). A runner that lost it must stop applying
  /// events; the checkpoint's expected-position check keeps it from
  /// applying any twice meanwhile.
  [[nodiscard]] virtual bool held() = 0;
};

/// The checkpoint store port: projection records, dead letters and runner
/// leases. Adapters (memory, SQLite, PostgreSQL) implement the protected
/// `do_*` members; the public members validate the input first.
///
/// Guarantees of every adapter:
/// - Projection names are 1 to 200 bytes of UTF-8 without control
///   characters; anything else is `invalid_argument`.
/// - `save` is a compare-and-set on the position, so two runners can never
///   both move a checkpoint past the same events.
/// - Handles on the same storage see each other's writes at once; all
///   member functions are safe to call from many threads at once.
/// - No exception leaves a member function.
///
/// Failures: `invalid_argument` for bad input, `projection_not_found` for
/// a name without a record (except `ensure`, `load` and `try_lead`),
/// `store_unavailable`, `timeout` (no pooled connection), or
/// `storage_failure`.
class checkpoint_store {
public:
  virtual ~checkpoint_store();

  /// Returns the record of `name`, creating it first when missing (position
  /// 0, desired running, state stopped).
  [[nodiscard]] caf::expected<projection_record>
  ensure(const std::string& name);

  /// Returns the record of `name`, or `std::nullopt` when there is none.
  [[nodiscard]] caf::expected<std::optional<projection_record>>
  load(const std::string& name);

  /// Returns every record, ordered by name.
  [[nodiscard]] caf::expected<std::vector<projection_record>> list();

  /// Moves the checkpoint of `name` from `expected` to `position`. Fails
  /// with `wrong_expected_version` (naming both positions) and changes
  /// nothing when the stored position is not `expected`; with
  /// `invalid_argument` when a position is negative.
  [[nodiscard]] caf::error save(const std::string& name, int64_t expected,
                                int64_t position);

  /// Records whether operators want `name` running or paused.
  [[nodiscard]] caf::error set_desired(const std::string& name,
                                       projection_desired desired);

  /// Asks the runner of `name` to move its checkpoint to `position` (at
  /// least 0) and apply the events after it again. Replaces a pending
  /// reset.
  [[nodiscard]] caf::error request_reset(const std::string& name,
                                         int64_t position);

  /// Asks the runner of `name` to clear its read model and replay every
  /// event.
  [[nodiscard]] caf::error request_rebuild(const std::string& name);

  /// Called by a runner that carried out the pending reset or rebuild: sets
  /// the position to `position` and clears both requests, at once.
  [[nodiscard]] caf::error complete_request(const std::string& name,
                                            int64_t position);

  /// Stores what the runner of `name` reports (state, lag, last error, who
  /// it is) and the time of the report. A negative or non-finite lag is
  /// `invalid_argument`; bytes of the texts that are not UTF-8 (and NUL
  /// characters) are stored as U+FFFD.
  [[nodiscard]] caf::error report(const std::string& name,
                                  const projection_report& x);

  /// Parks `ev` as a dead letter of `name` with the handler's `error`
  /// (stored like `report`'s texts). The event's id, stream id and type
  /// must be UTF-8 without NUL characters.
  /// Parking the same position again replaces the stored letter.
  [[nodiscard]] caf::error park(const std::string& name,
                                const recorded_event& ev,
                                const std::string& error);

  /// Returns up to `limit` dead letters of `name` (all projections when
  /// `name` is empty), ordered by projection name then position. A `limit`
  /// of 0 is `invalid_argument`.
  [[nodiscard]] caf::expected<std::vector<dead_letter>>
  dead_letters(const std::string& name, size_t limit);

  /// Marks the dead letter of `name` at `position` for replay by the
  /// runner. Fails with `invalid_argument` when there is no such letter.
  [[nodiscard]] caf::error request_replay(const std::string& name,
                                          int64_t position);

  /// Deletes the dead letter of `name` at `position`; deleting a missing
  /// one is not an error.
  [[nodiscard]] caf::error remove_dead_letter(const std::string& name,
                                              int64_t position);

  /// Tries to become the one runner of `name` across every process that
  /// shares this storage. Returns the lease, or a null pointer when another
  /// holds it. A lease ends when it is destroyed or its process dies. Needs
  /// no record: a runner may lead before it calls `ensure`.
  [[nodiscard]] caf::expected<std::unique_ptr<runner_lease>>
  try_lead(const std::string& name);

protected:
  // Arguments are validated: names are valid, positions are >= 0, `limit`
  // is > 0 and at most INT64_MAX.

  virtual caf::expected<projection_record>
  do_ensure(const std::string& name)
    = 0;

  virtual caf::expected<std::optional<projection_record>>
  do_load(const std::string& name)
    = 0;

  virtual caf::expected<std::vector<projection_record>> do_list() = 0;

  virtual caf::error do_save(const std::string& name, int64_t expected,
                             int64_t position)
    = 0;

  virtual caf::error do_set_desired(const std::string& name,
                                    projection_desired desired)
    = 0;

  virtual caf::error do_request_reset(const std::string& name,
                                      int64_t position)
    = 0;

  virtual caf::error do_request_rebuild(const std::string& name) = 0;

  virtual caf::error do_complete_request(const std::string& name,
                                         int64_t position)
    = 0;

  virtual caf::error do_report(const std::string& name,
                               const projection_report& x)
    = 0;

  virtual caf::error do_park(const std::string& name, const recorded_event& ev,
                             const std::string& error)
    = 0;

  virtual caf::expected<std::vector<dead_letter>>
  do_dead_letters(const std::string& name, size_t limit)
    = 0;

  virtual caf::error do_request_replay(const std::string& name,
                                       int64_t position)
    = 0;

  virtual caf::error do_remove_dead_letter(const std::string& name,
                                           int64_t position)
    = 0;

  virtual caf::expected<std::unique_ptr<runner_lease>>
  do_try_lead(const std::string& name)
    = 0;
};

/// Returns why `name` is not a valid projection name, or an empty string.
[[nodiscard]] std::string projection_name_problem(const std::string& name);

} // namespace mink

/// Declares every override of `checkpoint_store`, for the `protected:`
/// section of an adapter's class: what an adapter implements, nothing else.
#define MINK_CHECKPOINT_STORE_OVERRIDES                                        \
  caf::expected<projection_record> do_ensure(const std::string& name)          \
    override;                                                                  \
  caf::expected<std::optional<projection_record>> do_load(                     \
    const std::string& name) override;                                         \
  caf::expected<std::vector<projection_record>> do_list() override;            \
  caf::error do_save(const std::string& name, int64_t expected,                \
                     int64_t position) override;                               \
  caf::error do_set_desired(const std::string& name,                           \
                            projection_desired desired) override;              \
  caf::error do_request_reset(const std::string& name, int64_t position)       \
    override;                                                                  \
  caf::error do_request_rebuild(const std::string& name) override;             \
  caf::error do_complete_request(const std::string& name, int64_t position)    \
    override;                                                                  \
  caf::error do_report(const std::string& name, const projection_report& x)    \
    override;                                                                  \
  caf::error do_park(const std::string& name, const recorded_event& ev,        \
                     const std::string& error) override;                       \
  caf::expected<std::vector<dead_letter>> do_dead_letters(                     \
    const std::string& name, size_t limit) override;                           \
  caf::error do_request_replay(const std::string& name, int64_t position)      \
    override;                                                                  \
  caf::error do_remove_dead_letter(const std::string& name, int64_t position)  \
    override;                                                                  \
  caf::expected<std::unique_ptr<runner_lease>> do_try_lead(                    \
    const std::string& name) override;
