// One round of an aggregate actor: the commands waiting are decided one
// after another against the evolving state, their events go to the
// persistence actor as one group (one transaction), and each command is
// answered when the group's result says how it fared. See
// `spawn_aggregate`.

#include "mink/actors/detail/aggregate_round.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "mink/errc.hpp"

namespace mink::detail {

namespace {

using kind = round_decision::kind;

/// Lower-cases a command id: the aggregate compares them so.
void lower_case(std::string& id) {
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
}

/// The earlier command of the round with the id of command `i`, if any.
std::optional<size_t> earlier_with_same_id(const aggregate_actor_state& st,
                                           size_t i) {
  const auto& id = st.round[i].cmd.command_id;
  if (id.empty())
    return std::nullopt;
  for (size_t j = 0; j < i; ++j)
    if (st.round[j].cmd.command_id == id
        && (st.round[j].decision.what == kind::writing
            || st.round[j].decision.what == kind::not_writing))
      return j;
  return std::nullopt;
}

/// Applies the events command `c` decided; false when `evolve` threw (the
/// state may be half changed: the round decides no further, and the
/// stream is read again after it).
bool apply_decided(aggregate_actor_state& st, held_command& c) {
  std::string thrown;
  try {
    st.model->apply_decided();
    return true;
  } catch (const std::exception& ex) {
    thrown = ex.what();
  } catch (...) {
    thrown = "an exception";
  }
  st.state_broken = true;
  c.decision.outcome = make_error(errc::handler_failed,
                                  "applying the events of command "
                                    + c.cmd.type + " threw: " + thrown);
  return false;
}

/// Decides command `i` of the round against the state as the round's
/// earlier commands left it (their events are applied already, before
/// they commit: a failed round throws the state away). Returns the append
/// of its events, if it has any.
std::optional<reserved_append> decide_one(aggregate_self self, size_t i) {
  auto& st = self->state;
  auto& ctx = *st.ctx;
  auto& c = st.round[i];
  auto& d = c.decision;
  auto& env = c.cmd;
  lower_case(env.command_id);
  if (!st.model->accepts(env)) {
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
  // Every event carries the command's correlation, user and tenant ids, and
  // the command id as causation id.
  auto meta = env.meta;
  meta.causation_id = env.command_id;
  auto data = st.model->decide(env, meta, *ctx.registry);
  if (!data) {
    d.outcome = std::move(data.error());
    return std::nullopt;
  }
  if (data->empty()) {
    d.outcome = command_result{st.model->version(), 0};
    return std::nullopt;
  }
  stream_append sa;
  sa.stream_id = st.stream_id;
  sa.expected = expected_version::exact(st.model->version());
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
  // `reserved`).
  if (!apply_decided(st, c))
    return std::nullopt;
  d.what = kind::writing;
  return reserved;
}

/// Whether a blind round's decisions stand: its first append committed,
/// which proves the stream was empty when the round decided. Without any
/// append that committed, nothing proves it.
bool blind_proven(const aggregate_actor_state& st) {
  for (auto& c : st.round)
    if (c.decision.what == kind::writing)
      return static_cast<bool>(c.decision.outcome);
  return false;
}

/// How the commands of a resolved round fared, as a whole.
struct round_summary {
  bool chain_ok = true;
  bool committed = false;
  int conflicts = 0;
  /// Commands to decide again, in order, before those waiting.
  std::vector<held_command> again;
};

/// Answers command `c` of the round from the group's result, or puts it
/// back for deciding again.
void resolve_one(aggregate_self self, held_command& c, bool trusted,
                 round_summary& sum) {
  auto& st = self->state;
  auto& d = c.decision;
  auto decide_again = [&] {
    sum.again.push_back(std::move(c));
    c.done = true;
  };
  if (d.what == kind::writing && sum.chain_ok && d.outcome) {
    st.recent.remember(c.cmd.command_id, *d.outcome);
    st.answer(c, *d.outcome);
    d.committed = sum.committed = true;
  } else if (d.what == kind::writing && !d.outcome
             && code_of(d.outcome.error()) == errc::duplicate_command) {
    // A repeat of a command the store recorded (the store checks that
    // before the version): answer with its record.
    sum.chain_ok = false;
    answer_from_store(self, c, std::nullopt);
  } else if (d.what == kind::writing && !d.outcome
             && code_of(d.outcome.error()) != errc::wrong_expected_version) {
    // Its own problem, or the whole transaction failed: nothing of it
    // was written.
    sum.chain_ok = false;
    st.answer(c, std::move(d.outcome.error()));
  } else if (d.what == kind::writing && sum.chain_ok) {
    // The first conflict of the round.
    sum.chain_ok = false;
    if (st.blind) {
      // The stream exists: read it and decide again (not a conflict).
      decide_again();
    } else if (++c.conflicts > st.ctx->retry.max_retries) {
      st.answer(c, std::move(d.outcome.error()));
    } else {
      sum.conflicts = std::max(sum.conflicts, c.conflicts);
      st.ctx->counters->retries.fetch_add(1, std::memory_order_relaxed);
      decide_again();
    }
  } else if (d.what == kind::not_writing && sum.chain_ok && trusted) {
    answer_from_store(self, c, std::move(d.outcome));
  } else if (d.what == kind::repeat && st.round[d.leader].decision.committed) {
    st.answer(c, *st.round[d.leader].decision.outcome);
  } else {
    decide_again();
  }
}

/// Answers the round's commands from the group's results, in order. Once
/// one command's append failed, the commands after it were decided on a
/// state that did not come to be: they go back to the head of the queue,
/// in order, and are decided again after the stream is read.
void resolve_round(aggregate_self self) {
  auto& st = self->state;
  bool trusted = !st.blind || blind_proven(st);
  round_summary sum;
  for (auto& c : st.round)
    if (!c.done)
      resolve_one(self, c, trusted, sum);
  auto reset = !sum.chain_ok || st.state_broken || !trusted;
  if (reset) {
    // The state holds events that were not written, the stream moved (or
    // may have), or a blind round proved nothing: read it before deciding
    // again.
    st.state_broken = false;
    st.model->reset();
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
  if (!sum.again.empty()) {
    sum.again.insert(sum.again.end(),
                     std::make_move_iterator(st.waiting.begin()),
                     std::make_move_iterator(st.waiting.end()));
    st.waiting = std::move(sum.again);
  }
  if (!reset && sum.committed)
    maybe_snapshot(self, st.round_base);
  if (sum.conflicts > 0) {
    // Busy until the retry message: commands that come meanwhile wait.
    schedule_retry(self, sum.conflicts);
    return;
  }
  st.busy = false;
  start_next(self);
}

/// Moves up to `max` waiting commands into the round.
void take_round(aggregate_actor_state& st, size_t max) {
  if (st.waiting.size() <= max) {
    st.round.swap(st.waiting);
    return;
  }
  auto end = st.waiting.begin() + static_cast<std::ptrdiff_t>(max);
  st.round.assign(std::make_move_iterator(st.waiting.begin()),
                  std::make_move_iterator(end));
  st.waiting.erase(st.waiting.begin(), end);
}

} // namespace

void decide_round(aggregate_self self) {
  auto& st = self->state;
  st.round_base = st.model->version();
  for (auto& c : st.round)
    c.decision = round_decision{};
  std::vector<reserved_append> appends;
  for (size_t i = 0; i < st.round.size() && !st.state_broken; ++i)
    if (auto x = decide_one(self, i))
      appends.push_back(std::move(*x));
  if (appends.empty()) {
    resolve_round(self);
    return;
  }
  auto writing = [self](auto&& each) {
    for (auto& c : self->state.round)
      if (c.decision.what == kind::writing)
        each(c.decision);
  };
  self->request(st.ctx->writer.actor, caf::infinite, append_atom::value,
                std::move(appends))
    .then(
      [self, writing](append_group_result& res) {
        size_t k = 0;
        writing([&](round_decision& d) {
          auto& x = res.results[k++];
          if (x)
            d.outcome = command_result{x->version, x->positions.back()};
          else
            d.outcome = std::move(x.error());
        });
        resolve_round(self);
      },
      [self, writing](caf::error& err) {
        writing([&](round_decision& d) { d.outcome = err; });
        resolve_round(self);
      });
}

void start_next(aggregate_self self) {
  auto& st = self->state;
  // Rounds answered at once (refusals, repeats, overload) call back into
  // here: the loop below takes the next one, so the stack stays flat.
  if (st.draining)
    return;
  st.draining = true;
  while (!st.busy && !st.waiting.empty()) {
    st.busy = true;
    take_round(st, std::max<size_t>(st.ctx->max_round, 1));
    // A command that creates its aggregate needs no read of a stream that
    // should not exist; the store refuses the append if it does.
    st.blind = !st.loaded && !st.must_read && st.model->version() == 0
               && st.model->creates(st.round.front().cmd);
    if (st.loaded || st.blind)
      decide_round(self);
    else
      load_then_decide(self);
  }
  st.draining = false;
  maybe_quit(self);
}

void fail_round(aggregate_self self, const caf::error& err) {
  auto& st = self->state;
  for (auto& c : st.round)
    if (!c.done)
      st.answer(c, err);
}

void fail_all(aggregate_self self, const caf::error& err) {
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
