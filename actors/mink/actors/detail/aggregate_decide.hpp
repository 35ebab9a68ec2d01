#pragma once

// One round of an aggregate actor: the commands waiting are decided one
// after another against the evolving state, their events go to the
// persistence actor as one group (one transaction), and each command is
// answered when the group's result says how it fared. See `aggregate_actor`.

#include "mink/actors/detail/aggregate_round.hpp"

namespace mink::detail {

/// Whether `Decider` says which of its commands create its aggregate.
template <class D, class = void>
struct has_creates : std::false_type {};

template <class D>
struct has_creates<D, std::void_t<decltype(D::creates(
                        std::declval<const typename D::command_type&>()))>>
  : std::true_type {};

/// Whether `env`'s aggregate is not expected to exist yet: the envelope
/// says so, or the decider's `creates` does for its command.
template <class Decider>
bool expects_no_stream(const command_envelope& env) {
  if (env.expects_no_stream)
    return true;
  if constexpr (has_creates<Decider>::value) {
    if (auto cmd = std::any_cast<typename Decider::command_type>(&env.payload))
      return Decider::creates(*cmd);
  }
  return false;
}

/// Lower-cases a command id: the aggregate compares them so.
inline void lower_case(std::string& id) {
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
}

/// The earlier command of the round with the id of command `i`, if any.
template <class State>
std::optional<size_t> earlier_with_same_id(const State& st, size_t i) {
  const auto& id = st.round[i].cmd.command_id;
  if (id.empty())
    return std::nullopt;
  for (size_t j = 0; j < i; ++j)
    if (st.round[j].cmd.command_id == id
        && (st.round[j].decision.what == round_decision::kind::writing
            || st.round[j].decision.what == round_decision::kind::not_writing))
      return j;
  return std::nullopt;
}

template <class Decider>
void resolve_round(aggregate_self<Decider>* self, const aggregate_context& ctx);

/// Decides command `i` of the round against the state as the round's
/// earlier commands left it (their events are applied already, before
/// they commit: a failed round throws the state away). Returns the append
/// of its events, if it has any.
template <class Decider>
std::optional<reserved_append> decide_one(aggregate_self<Decider>* self,
                                          const aggregate_context& ctx,
                                          size_t i) {
  using command_type = typename Decider::command_type;
  using kind = round_decision::kind;
  auto& st = self->state;
  auto& c = st.round[i];
  auto& d = c.decision;
  auto& env = c.cmd;
  lower_case(env.command_id);
  auto cmd = std::any_cast<command_type>(&env.payload);
  if (cmd == nullptr) {
    st.answer(c, make_error(errc::invalid_argument,
                            "command " + env.type
                              + " has no payload of the aggregate's "
                                "command type"));
    return std::nullopt;
  }
  // A repeated command gets its first answer; it does not run again.
  if (auto known = st.recent.recall(env.command_id)) {
    st.answer(c, *known);
    return std::nullopt;
  }
  if (auto j = earlier_with_same_id(st, i)) {
    d.what = kind::repeat;
    d.leader = *j;
    return std::nullopt;
  }
  d.what = kind::not_writing;
  caf::expected<std::vector<typename Decider::event_type>> decided{
    std::vector<typename Decider::event_type>{}};
  try {
    decided = st.agg.decide(*cmd);
  } catch (const std::exception& ex) {
    // A throwing handler becomes an error reply; the actor lives on.
    d.outcome = make_error(errc::handler_failed,
                           "command " + env.type + " threw: " + ex.what());
    return std::nullopt;
  } catch (...) {
    d.outcome = make_error(errc::handler_failed,
                           "command " + env.type + " threw");
    return std::nullopt;
  }
  if (!decided) {
    d.outcome = std::move(decided.error());
    return std::nullopt;
  }
  if (decided->empty()) {
    d.outcome = command_result{st.agg.version(), 0};
    return std::nullopt;
  }
  // Every event carries the command's correlation, user and tenant ids, and
  // the command id as causation id.
  auto meta = env.meta;
  meta.causation_id = env.command_id;
  auto data = to_event_data(*ctx.registry, *decided, meta);
  if (!data) {
    d.outcome = std::move(data.error());
    return std::nullopt;
  }
  stream_append sa;
  sa.stream_id = st.stream_id;
  sa.expected = expected_version::exact(st.agg.version());
  sa.events = std::move(*data);
  // Recorded in the same transaction as the events: a repeat that this
  // actor no longer remembers is refused by the store.
  sa.command_id = env.command_id;
  auto reserved = ctx.writer.try_reserve(std::move(sa));
  if (!reserved) {
    // Not appended: the round's later commands see the state without it.
    st.answer(c, make_error(errc::overloaded,
                            "too many appends waiting for the store"));
    d.what = kind::answered;
    return std::nullopt;
  }
  // Nothing of it is stored when applying throws (its slot goes back with
  // `reserved`). The state may be half changed: the round decides no
  // further, and the stream is read again after it.
  std::string thrown;
  try {
    st.agg.apply(*decided);
  } catch (const std::exception& ex) {
    thrown = ex.what();
    st.state_broken = true;
  } catch (...) {
    thrown = "an exception";
    st.state_broken = true;
  }
  if (st.state_broken) {
    d.outcome = make_error(errc::handler_failed,
                           "applying the events of command " + env.type
                             + " threw: " + thrown);
    return std::nullopt;
  }
  d.what = kind::writing;
  return reserved;
}

/// Decides every command of the round and sends their appends as one group.
template <class Decider>
void decide_round(aggregate_self<Decider>* self, const aggregate_context& ctx) {
  auto& st = self->state;
  st.round_base = st.agg.version();
  for (auto& c : st.round)
    c.decision = round_decision{};
  std::vector<reserved_append> appends;
  for (size_t i = 0; i < st.round.size() && !st.state_broken; ++i)
    if (auto x = decide_one(self, ctx, i))
      appends.push_back(std::move(*x));
  if (appends.empty()) {
    resolve_round(self, ctx);
    return;
  }
  auto writing = [self](auto&& each) {
    auto& st = self->state;
    for (auto& c : st.round)
      if (c.decision.what == round_decision::kind::writing)
        each(c.decision);
  };
  self->request(ctx.writer.actor, caf::infinite, append_atom::value,
                std::move(appends))
    .then(
      [self, &ctx, writing](append_group_result& res) {
        size_t k = 0;
        writing([&](round_decision& d) {
          auto& x = res.results[k++];
          if (x)
            d.outcome = command_result{x->version, x->positions.back()};
          else
            d.outcome = std::move(x.error());
        });
        resolve_round(self, ctx);
      },
      [self, &ctx, writing](caf::error& err) {
        writing([&](round_decision& d) { d.outcome = err; });
        resolve_round(self, ctx);
      });
}

/// Whether a blind round's decisions stand: its first append committed,
/// which proves the stream was empty when the round decided. Without any
/// append that committed, nothing proves it.
template <class State>
bool blind_proven(const State& st) {
  for (auto& c : st.round)
    if (c.decision.what == round_decision::kind::writing)
      return static_cast<bool>(c.decision.outcome);
  return false;
}

/// Answers the round's commands from the group's results, in order. Once
/// one command's append failed, the commands after it were decided on a
/// state that did not come to be: they go back to the head of the queue,
/// in order, and are decided again after the stream is read.
template <class Decider>
void resolve_round(aggregate_self<Decider>* self, const aggregate_context& ctx) {
  using kind = round_decision::kind;
  auto& st = self->state;
  bool chain_ok = true;
  bool committed = false;
  bool trusted = !st.blind || blind_proven(st);
  int conflicts = 0;
  std::vector<held_command> again;
  auto decide_again = [&](held_command& c) {
    again.push_back(std::move(c));
    c.done = true;
  };
  for (size_t i = 0; i < st.round.size(); ++i) {
    auto& c = st.round[i];
    auto& d = c.decision;
    if (c.done)
      continue;
    if (d.what == kind::writing && chain_ok && d.outcome) {
      st.recent.remember(c.cmd.command_id, *d.outcome);
      st.answer(c, *d.outcome);
      d.committed = committed = true;
    } else if (d.what == kind::writing && !d.outcome
               && code_of(d.outcome.error()) == errc::duplicate_command) {
      // A repeat of a command the store recorded (the store checks that
      // before the version): answer with its record.
      chain_ok = false;
      answer_from_store(self, ctx, c, std::nullopt);
    } else if (d.what == kind::writing && !d.outcome
               && code_of(d.outcome.error()) != errc::wrong_expected_version) {
      // Its own problem, or the whole transaction failed: nothing of it
      // was written.
      chain_ok = false;
      st.answer(c, std::move(d.outcome.error()));
    } else if (d.what == kind::writing && chain_ok) {
      // The first conflict of the round.
      chain_ok = false;
      if (st.blind) {
        // The stream exists: read it and decide again (not a conflict).
        decide_again(c);
      } else if (++c.conflicts > ctx.retry.max_retries) {
        st.answer(c, std::move(d.outcome.error()));
      } else {
        conflicts = std::max(conflicts, c.conflicts);
        ctx.counters->retries.fetch_add(1, std::memory_order_relaxed);
        decide_again(c);
      }
    } else if (d.what == kind::not_writing && chain_ok && trusted) {
      answer_from_store(self, ctx, c, std::move(d.outcome));
    } else if (d.what == kind::repeat && st.round[d.leader].decision.committed) {
      st.answer(c, *st.round[d.leader].decision.outcome);
    } else {
      decide_again(c);
    }
  }
  auto reset = !chain_ok || st.state_broken || !trusted;
  if (reset) {
    // The state holds events that were not written, the stream moved (or
    // may have), or a blind round proved nothing: read it before deciding
    // again.
    st.state_broken = false;
    st.agg = aggregate<Decider>{};
    st.loaded = false;
    st.must_read = true;
  } else if (st.blind) {
    // The stream held nothing before this round's events.
    st.loaded = true;
  }
  st.blind = false;
  std::vector<held_command>{}.swap(st.round);
  // Back in the queue before anything else can throw (the exception
  // handler answers what the queue holds).
  if (!again.empty()) {
    again.insert(again.end(), std::make_move_iterator(st.waiting.begin()),
                 std::make_move_iterator(st.waiting.end()));
    st.waiting = std::move(again);
  }
  if (!reset && committed)
    maybe_snapshot(self, ctx, st.round_base);
  if (conflicts > 0) {
    // Busy until the retry message: commands that come meanwhile wait.
    schedule_retry(self, ctx, conflicts);
    return;
  }
  st.busy = false;
  start_next(self, ctx);
}

/// Moves up to `max` waiting commands into the round.
template <class State>
void take_round(State& st, size_t max) {
  if (st.waiting.size() <= max) {
    st.round.swap(st.waiting);
    return;
  }
  auto end = st.waiting.begin() + static_cast<std::ptrdiff_t>(max);
  st.round.assign(std::make_move_iterator(st.waiting.begin()),
                  std::make_move_iterator(end));
  st.waiting.erase(st.waiting.begin(), end);
}

template <class Decider>
void start_next(aggregate_self<Decider>* self, const aggregate_context& ctx) {
  auto& st = self->state;
  // Rounds answered at once (refusals, repeats, overload) call back into
  // here: the loop below takes the next one, so the stack stays flat.
  if (st.draining)
    return;
  st.draining = true;
  while (!st.busy && !st.waiting.empty()) {
    st.busy = true;
    take_round(st, std::max<size_t>(ctx.max_round, 1));
    // A command that creates its aggregate needs no read of a stream that
    // should not exist; the store refuses the append if it does.
    st.blind = !st.loaded && !st.must_read && st.agg.version() == 0
               && expects_no_stream<Decider>(st.round.front().cmd);
    if (st.loaded || st.blind)
      decide_round(self, ctx);
    else
      load_then_decide(self, ctx);
  }
  st.draining = false;
  maybe_quit(self);
}

/// Answers every command the actor holds with `err` (it is going down).
template <class Decider>
void fail_all(aggregate_self<Decider>* self, const caf::error& err) {
  auto& st = self->state;
  fail_round(self, err);
  for (auto& c : st.waiting)
    st.answer(c, err);
  if (st.looking_up)
    for (auto& c : *st.looking_up)
      if (!c.done)
        st.answer(c, err);
  st.round.clear();
  st.waiting.clear();
  st.looking_up.reset();
  st.busy = false;
}

} // namespace mink::detail
