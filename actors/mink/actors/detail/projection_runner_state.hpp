#pragma once

// Internal to the projection runner (projection_runner.cpp and
// detail/projection_runner_*.cpp): its state and the steps its files share.

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>
#include <caf/stateful_actor.hpp>

#include "mink/actors/interfaces.hpp"

#include "mink/actors/projection_runner.hpp"
#include "mink/actors/projection_status.hpp"
#include "mink/event.hpp"
#include "mink/projection/checkpoint_store.hpp"
#include "mink/projection/projection.hpp"
#include "mink/projection/projection_state.hpp"
#include "mink/adapters/sql/projection_target.hpp"
#include "mink/store/event_store.hpp"

namespace mink::detail {

using clock_type = std::chrono::steady_clock;

using read_result = caf::expected<std::vector<recorded_event>>;

/// A store read running on another thread while the runner applies the
/// batch before it (catching up).
struct prefetch {
  /// The position the read starts at.
  int64_t from = 0;
  /// The most events it asks for.
  size_t limit = 0;
  std::future<read_result> events;
};

/// What a runner starts with (see `spawn_projection_runner`).
struct runner_inputs {
  std::shared_ptr<projection_target> target;
  std::shared_ptr<event_store> store;
  std::shared_ptr<checkpoint_store> checkpoints;
  feed_actor feed;
  std::shared_ptr<projection_status> status;
  runner_config cfg;
};

struct runner_state : runner_inputs {
  std::string name;
  read_filter filter;
  error_policy policy;

  std::unique_ptr<runner_lease> lease;
  /// The checkpoint, as this runner last moved or read it.
  int64_t position = 0;
  projection_state state = projection_state::stopped;
  projection_desired desired = projection_desired::running;
  std::string last_error;
  /// Read the store instead of asking the feed (catching up).
  bool from_store = true;
  /// A feed request is out; steps wait for its answer.
  bool awaiting_feed = false;
  /// Rebuilding until the position reaches this.
  int64_t rebuild_until = 0;
  /// The event that keeps failing, and how often it failed.
  int64_t failing_position = 0;
  int attempts = 0;
  clock_type::time_point retry_due;
  clock_type::time_point next_control;
  clock_type::time_point next_report;
  /// When `lead` asks the lease again whether it still holds.
  clock_type::time_point next_lease_check;
  /// Only the step message of the latest generation runs.
  uint64_t step_generation = 0;
  /// The next batch, read while the current one is applied.
  std::optional<prefetch> next;
  /// The vector of the batch applied last, emptied: the next store read
  /// gathers its batch in it (its memory stays mapped, no page faults).
  std::vector<recorded_event> spare;
  /// The average footprint of the events of the last batch read from the
  /// store (0 before the first): sizes the next one.
  size_t event_bytes = 0;
};

using runner_self = projection_runner_actor::stateful_pointer<runner_state>;

// -- state and reporting (projection_runner_control.cpp) ----------------------

/// Writes the state and lag to the checkpoint store, at most once per
/// `report_interval` unless `force`.
void report(runner_self self, bool force = false);

void set_state(runner_self self, projection_state x);

void set_error(runner_self self, std::string what);

void set_position(runner_self self, int64_t x);

/// Reads the store's head and the time of the oldest event not applied
/// into `status`, for a runner that applies nothing now (paused, faulted):
/// its lag keeps growing where everyone looks (status, reports, metrics).
void watch_head(runner_self self);

// -- leadership and controls (projection_runner_control.cpp) ------------------

/// Gives the projection up: another runner moved its checkpoint.
void lose_lead(runner_self self, const caf::error& err);

/// Reads the stored record and obeys it. Returns false when the runner
/// must not apply events now.
bool obey_controls(runner_self self);

/// Takes the lease when this runner does not hold it. Returns whether it
/// holds it now.
bool lead(runner_self self);

// -- applying events (projection_runner_apply.cpp) ----------------------------

/// Applies the error policy to `ev`, which failed with `err`. Returns true
/// when the runner may go on with the next event.
bool on_event_failure(runner_self self, const recorded_event& ev,
                      const caf::error& err);

/// Applies `events` (dense, from `position + 1`): as one batch, or, when
/// that fails, one event at a time to find the failing one.
void process(runner_self self, const std::vector<recorded_event>& events);

} // namespace mink::detail
