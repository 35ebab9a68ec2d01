#pragma once

// The parts of an aggregate actor (see `spawn_aggregate`), compiled once
// for all deciders: rounds (aggregate_round.cpp) and what talks to the
// store reader and snapshot writer (aggregate_store.cpp).

#include <optional>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/actors/aggregate_actor_state.hpp"

namespace mink::detail {

/// Starts the next round unless one runs; loops instead of recursing.
void start_next(aggregate_self self);

/// Decides every command of the round and sends their appends as one group.
void decide_round(aggregate_self self);

/// Reads the events written since the aggregate's version (on the first
/// load: from its latest usable snapshot on), then decides the round.
void load_then_decide(aggregate_self self, bool try_snapshot = true);

/// Answers `c`: from the store's record of its command id when there is
/// one (an earlier attempt of it wrote: its first answer), with `decided`
/// otherwise. The lookup runs on the reader's thread; `c` waits in
/// `looking_up` meanwhile.
void answer_from_store(aggregate_self self, held_command& c,
                       std::optional<caf::expected<command_result>> decided);

/// Waits a jittered delay, growing with `conflicts`, before the next round.
void schedule_retry(aggregate_self self, int conflicts);

/// Sends a snapshot of the aggregate to the writer when the policy says so.
/// Runs after the replies went out; nobody waits for the save.
void maybe_snapshot(aggregate_self self, int64_t old_version);

/// Stops a passivated actor once it holds nothing more.
void maybe_quit(aggregate_self self);

/// Answers every command of the round that is not answered yet with `err`.
void fail_round(aggregate_self self, const caf::error& err);

/// Answers every command the actor holds with `err` (it is going down).
void fail_all(aggregate_self self, const caf::error& err);

} // namespace mink::detail
