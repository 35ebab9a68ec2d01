#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "mink/actors/aggregate_context.hpp"
#include "mink/actors/aggregate_model.hpp"
#include "mink/actors/interfaces.hpp"
#include "mink/actors/recent_commands.hpp"
#include "mink/command/command.hpp"

namespace mink {

/// What a round decided for one of its commands (see `aggregate_actor`).
struct round_decision {
  enum class kind : uint8_t {
    /// Answered while deciding (a repeat remembered, a bad payload, ...).
    answered,
    /// Its events are in the round's append; `outcome` is their result.
    writing,
    /// Refused, or nothing to write; `outcome` is the decided answer.
    not_writing,
    /// The same command id as the round's command `leader`.
    repeat,
  };
  kind what = kind::answered;
  size_t leader = 0;
  caf::expected<command_result> outcome{command_result{}};
  /// Whether its events committed and it was answered so.
  bool committed = false;
};

/// A command an aggregate actor holds, and whom to answer.
struct held_command {
  command_envelope cmd;
  caf::typed_response_promise<command_result> rp;
  /// Rounds this command lost to another writer (`wrong_expected_version`).
  int conflicts = 0;
  /// Whether it was answered (or handed on): nothing more to do for it.
  bool done = false;
  /// What the running round decided for it.
  round_decision decision;
};

/// State of one aggregate actor. Kept small: a service holds many of them,
/// most idle. The containers allocate only while commands wait or run.
struct aggregate_actor_state {
  /// Where `model` lives when it fits.
  model_storage model_room;
  /// The aggregate instance, behind the decider's types.
  model_ptr model;
  std::string stream_id;
  /// Shared by all aggregate actors of a router.
  std::shared_ptr<const aggregate_context> ctx;
  /// Commands sent to this actor and not yet answered: the router raises
  /// it when it sends one, the actor lowers it when it answers. The router
  /// never passivates an actor while it is above 0. May be null.
  std::shared_ptr<std::atomic<int64_t>> in_flight;
  /// The commands of the running round.
  std::vector<held_command> round;
  /// Commands that came while a round ran, in arrival order.
  std::vector<held_command> waiting;
  /// Commands answered from the store's command records (lookups running);
  /// allocated on the first.
  std::unique_ptr<std::list<held_command>> looking_up;
  /// Results of the latest commands, for answering repeats.
  recent_commands recent;
  /// The aggregate's version before the running round.
  int64_t round_base = 0;
  /// Whether `agg` holds every event the store had when last read.
  bool loaded = false;
  /// Whether a round is running (or waiting to retry after a conflict).
  bool busy = false;
  /// Whether `start_next` is running (it loops instead of recursing).
  bool draining = false;
  /// Whether the router let this actor go: it stops once it has answered
  /// the commands it holds.
  bool passivating = false;
  /// Whether the running round decided without reading the stream (its
  /// first command expects no stream).
  bool blind = false;
  /// Whether the stream must be read before the next round (a blind round
  /// found it there).
  bool must_read = false;
  /// Whether applying a decided command's events threw: the state may be
  /// half changed.
  bool state_broken = false;


  /// Answers `c` with `x` and counts it as answered (see `in_flight`).
  void answer(held_command& c, command_result x);

  /// Answers `c` with the error `err`.
  void answer(held_command& c, caf::error err);

  /// Answers `c` with the result or the error.
  void answer_with(held_command& c, caf::expected<command_result> x);

private:
  /// Marks `c` answered and counts it out of `in_flight`.
  void answered(held_command& c);
};

namespace detail {

/// The aggregate actor, class-based: spawning it stores no init function
/// with copies of its arguments (a service holds many idle actors).
class aggregate_actor_impl : public aggregate_actor::base {
public:
  aggregate_actor_impl(caf::actor_config& cfg, std::string stream_id,
                       aggregate_model_factory make_model,
                       std::shared_ptr<const aggregate_context> ctx,
                       std::shared_ptr<std::atomic<int64_t>> in_flight);

  aggregate_actor::behavior_type make_behavior() override;

  const char* name() const override {
    return "mink.aggregate";
  }

  aggregate_actor_state state;
};

using aggregate_self = aggregate_actor_impl*;

} // namespace detail

} // namespace mink
