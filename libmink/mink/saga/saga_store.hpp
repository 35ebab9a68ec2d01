#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace mink {

/// What a saga store keeps of one saga instance.
struct saga_record {
  /// The instance's state as JSON (the saga's declared state).
  std::string state;
  /// The global position of the last event the instance handled: an event
  /// at or below it is a repeat (after a crash) and is skipped.
  int64_t position = 0;
  /// The instance finished: later events for it are ignored.
  bool done = false;
  /// The outcomes of steps taken for events (or wake-ups) after `position`
  /// whose handling was not finished, as JSON (empty when none): a
  /// repeated step takes its outcome from here instead of asking again,
  /// so a refusal that was acted upon stays a refusal.
  std::string journal;
};

/// A wake-up that a saga instance asked for.
struct saga_timer {
  std::string instance;
  /// The timer's name within its instance (e.g. `payment_timeout`).
  std::string name;
  /// When it is due, in microseconds since the epoch.
  int64_t due_us = 0;
};

/// The changes of one instance, saved together.
struct saga_change {
  std::string instance;
  saga_record record;
  /// Timers to set (replacing a timer of the same name).
  std::vector<saga_timer> set;
  /// Names of timers to cancel.
  std::vector<std::string> cancel;
};

/// Where sagas keep the state of their instances and their timers, so both
/// survive a restart. One per store adapter: memory, and SQL (SQLite and
/// PostgreSQL, tables `mink_saga_state` and `mink_saga_timers` beside the
/// checkpoints). Saga names and instance ids are 1 to 200 bytes of UTF-8
/// without control characters; anything else is `invalid_argument`.
/// Thread-safe.
class saga_store {
public:
  virtual ~saga_store();

  /// The records of `instances` of `saga`, in their order (none for an
  /// instance without one): one round trip for a batch's instances.
  [[nodiscard]] virtual caf::expected<std::vector<std::optional<saga_record>>>
  load_many(const std::string& saga, const std::vector<std::string>& instances)
    = 0;

  /// The record of `instance` of `saga`, or none.
  [[nodiscard]] caf::expected<std::optional<saga_record>>
  load(const std::string& saga, const std::string& instance);

  /// Saves the records and applies the timer changes of `changes`, all or
  /// nothing: per change, cancels, then sets (a timer's instance is the
  /// change's), and drops every timer of an instance whose record is done.
  /// An instance appears in one change at most, and a timer name in one
  /// change's `set` once at most (`invalid_argument`).
  [[nodiscard]] virtual caf::error
  save(const std::string& saga, const std::vector<saga_change>& changes) = 0;

  /// The timers of `saga` due at `now_us`, earliest first, at most `limit`.
  [[nodiscard]] virtual caf::expected<std::vector<saga_timer>>
  due(const std::string& saga, int64_t now_us, size_t limit) = 0;

  /// Deletes timer `t` if it is still due at `t.due_us` (a timer set again
  /// meanwhile stays).
  [[nodiscard]] virtual caf::error remove_timer(const std::string& saga,
                                                const saga_timer& t) = 0;
};

/// Checks a saga name and the instance ids and timer names of `changes`.
[[nodiscard]] caf::error validate_saga_change(
  const std::string& saga, const std::vector<saga_change>& changes);

/// Checks a saga name and instance ids.
[[nodiscard]] caf::error validate_saga_keys(
  const std::string& saga, const std::vector<std::string>& instances);

/// Checks a saga name and an instance id.
[[nodiscard]] caf::error validate_saga_key(const std::string& saga,
                                           const std::string& instance);

} // namespace mink

/// Declares every override of `saga_store`, for an adapter's class.
#define MINK_SAGA_STORE_OVERRIDES                                              \
  caf::expected<std::vector<std::optional<saga_record>>> load_many(            \
    const std::string& saga, const std::vector<std::string>& instances)       \
    override;                                                                  \
  caf::error save(const std::string& saga,                                     \
                  const std::vector<saga_change>& changes) override;           \
  caf::expected<std::vector<saga_timer>> due(const std::string& saga,          \
                                             int64_t now_us, size_t limit)     \
    override;                                                                  \
  caf::error remove_timer(const std::string& saga, const saga_timer& t)        \
    override;
