#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include "mink/actors/aggregate_context.hpp"
#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/aggregate.hpp"
#include "mink/aggregate_events.hpp"
#include "mink/errc.hpp"
#include "mink/store/snapshot_store.hpp"

namespace mink {

/// State of one aggregate actor.
template <class Decider>
struct aggregate_actor_state {
  struct pending {
    command_envelope cmd;
    caf::typed_response_promise<command_result> rp;
  };

  aggregate<Decider> agg;
  std::string stream_id;
  /// Whether `agg` holds every event the store had when last read.
  bool loaded = false;
  /// Whether a command is in progress; later ones wait in `waiting`.
  bool busy = false;
  /// Whether `start_next` is running (it loops instead of recursing).
  bool draining = false;
  /// Whether the router let this actor go: it stops once it has answered
  /// the commands it holds.
  bool passivating = false;
  pending current;
  int attempt = 0;
  std::deque<pending> waiting;
  /// Results of the latest commands (by command id), from the events'
  /// causation ids and from commands handled here: a repeated command is
  /// answered from here without deciding again. Bounded; older repeats are
  /// caught by the store's command records.
  struct recent_command {
    /// The id's hash, compared first: most ids in `recent` differ.
    size_t hash;
    std::string id;
    command_result result;
  };
  std::deque<recent_command> recent;
  /// Shared by all aggregate actors of a router.
  std::shared_ptr<const aggregate_context> ctx;
  /// Commands sent to this actor and not yet answered: the router raises
  /// it when it sends one, the actor lowers it when it answers. The router
  /// never passivates an actor while it is above 0. May be null.
  std::shared_ptr<std::atomic<int64_t>> in_flight;

  static inline const char* name = "mink.aggregate";

  /// How many command results `recent` keeps.
  static constexpr size_t max_recent = 64;

  /// Counts `n` commands as answered (see `in_flight`).
  void answered(size_t n = 1) {
    if (in_flight)
      in_flight->fetch_sub(static_cast<int64_t>(n), std::memory_order_relaxed);
  }

  void remember(std::string command_id, command_result res) {
    if (command_id.empty())
      return;
    auto h = std::hash<std::string>{}(command_id);
    for (auto& x : recent)
      if (x.hash == h && x.id == command_id) {
        x.result = res;
        return;
      }
    recent.push_back({h, std::move(command_id), res});
    if (recent.size() > max_recent)
      recent.pop_front();
  }

  const command_result* recalled(const std::string& command_id) const {
    auto h = std::hash<std::string>{}(command_id);
    for (auto& x : recent)
      if (x.hash == h && x.id == command_id)
        return &x.result;
    return nullptr;
  }
};

namespace detail {

template <class Decider>
using aggregate_self = caf::stateful_actor<aggregate_actor_state<Decider>>;

template <class Decider>
void start_next(aggregate_self<Decider>* self, const aggregate_context& ctx);

/// Answers the current command and moves on to the next.
template <class Decider, class T>
void finish(aggregate_self<Decider>* self, const aggregate_context& ctx,
            T&& answer) {
  auto& st = self->state;
  st.current.rp.deliver(std::forward<T>(answer));
  st.answered();
  st.busy = false;
  start_next(self, ctx);
}

template <class Decider>
void finish_with(aggregate_self<Decider>* self, const aggregate_context& ctx,
                 caf::expected<command_result> answer) {
  if (answer)
    finish<Decider>(self, ctx, *answer);
  else
    finish<Decider>(self, ctx, std::move(answer.error()));
}

template <class Decider>
void decide_and_append(aggregate_self<Decider>* self,
                       const aggregate_context& ctx);

/// Whether `Decider` can encode and decode its state for snapshots.
template <class D, class = void>
struct has_state_codec : std::false_type {};

template <class D>
struct has_state_codec<
  D, std::void_t<decltype(D::state_type_name), decltype(D::state_schema_version),
                 decltype(D::encode_state(
                   std::declval<const typename D::state_type&>(),
                   std::declval<rapidjson::Document&>())),
                 decltype(D::decode_state(std::declval<const rapidjson::Value&>()))>>
  : std::true_type {};

template <class Decider>
bool uses_snapshots(const aggregate_context& ctx) {
  return has_state_codec<Decider>::value && ctx.snapshot_writer != nullptr;
}

/// Restores the aggregate from `snap`; an error says why it cannot be used.
template <class Decider>
caf::error restore_from(aggregate<Decider>& agg, const snapshot& snap) {
  if constexpr (has_state_codec<Decider>::value) {
    if (snap.state_type != Decider::state_type_name
        || snap.schema_version != Decider::state_schema_version)
      return make_error(errc::decode_failed,
                        "snapshot is of state " + snap.state_type + " v"
                          + std::to_string(snap.schema_version)
                          + ", the aggregate reads "
                          + Decider::state_type_name + " v"
                          + std::to_string(Decider::state_schema_version));
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(snap.data.data(),
                                              snap.data.size());
    if (doc.HasParseError())
      return make_error(errc::decode_failed, "snapshot is not valid JSON");
    auto state = Decider::decode_state(doc);
    if (!state)
      return std::move(state.error());
    return agg.restore(std::move(*state), snap.version);
  } else {
    return make_error(errc::decode_failed, "the aggregate has no state codec");
  }
}

/// Sends a snapshot of the aggregate to the writer when the policy says so.
/// Runs after the reply went out; nobody waits for the save.
template <class Decider>
void maybe_snapshot(aggregate_self<Decider>* self, const aggregate_context& ctx,
                    int64_t old_version) {
  if constexpr (has_state_codec<Decider>::value) {
    auto& st = self->state;
    if (!uses_snapshots<Decider>(ctx)
        || !ctx.snapshots.due(old_version, st.agg.version()))
      return;
    rapidjson::Document doc;
    Decider::encode_state(st.agg.state(), doc);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> writer{buf};
    doc.Accept(writer);
    snapshot snap;
    snap.stream_id = st.stream_id;
    snap.version = st.agg.version();
    snap.state_type = Decider::state_type_name;
    snap.schema_version = Decider::state_schema_version;
    snap.data.assign(buf.GetString(), buf.GetSize());
    self->send(ctx.snapshot_writer, snapshot_atom::value, std::move(snap));
  }
}

/// Reads the events written since the aggregate's version (on the first
/// load: from its latest usable snapshot on), then decides.
template <class Decider>
void load_then_decide(aggregate_self<Decider>* self,
                      const aggregate_context& ctx, bool try_snapshot = true) {
  auto& st = self->state;
  auto use_snapshot = try_snapshot && !st.loaded && st.agg.version() == 0
                      && uses_snapshots<Decider>(ctx);
  self->request(ctx.reader, caf::infinite, load_atom::value, st.stream_id,
                st.agg.version() + 1, use_snapshot)
    .then(
      [self, &ctx](load_result& loaded) {
        auto& st = self->state;
        if (loaded.snap) {
          if (auto err = restore_from(st.agg, *loaded.snap)) {
            // Another state version or a broken snapshot: replay everything.
            ctx.snapshot_counters->ignored.fetch_add(1,
                                                     std::memory_order_relaxed);
            spdlog::warn("ignoring snapshot of {} at version {}: {}",
                         st.stream_id, loaded.snap->version, to_text(err));
            st.agg = aggregate<Decider>{};
            load_then_decide(self, ctx, false);
            return;
          }
        }
        // Commands seen in the stream, for answering repeats.
        for (auto& ev : loaded.events)
          st.remember(ev.meta.causation_id,
                      command_result{ev.stream_version, ev.global_position});
        if (auto err = replay(st.agg, *ctx.registry, std::move(loaded.events))) {
          // The aggregate is inconsistent now; read it again next time.
          st.agg = aggregate<Decider>{};
          st.loaded = false;
          finish<Decider>(self, ctx, std::move(err));
          return;
        }
        st.loaded = true;
        decide_and_append(self, ctx);
      },
      [self, &ctx](caf::error& err) {
        finish<Decider>(self, ctx, std::move(err));
      });
}

/// Waits a jittered, growing delay before trying the command again.
template <class Decider>
void schedule_retry(aggregate_self<Decider>* self,
                    const aggregate_context& ctx) {
  auto& st = self->state;
  thread_local std::minstd_rand rng{std::random_device{}()};
  auto ceiling = std::min(ctx.retry.max_delay,
                          ctx.retry.base_delay * (1 << std::min(st.attempt, 16)));
  int64_t micros = std::chrono::duration_cast<std::chrono::microseconds>(
                     ceiling)
                     .count();
  std::uniform_int_distribution<int64_t> jitter{micros / 2,
                                                std::max<int64_t>(micros, 1)};
  ++st.attempt;
  ctx.counters->retries.fetch_add(1, std::memory_order_relaxed);
  self->delayed_send(self, std::chrono::microseconds{jitter(rng)},
                     retry_atom::value);
}

/// The store already holds the current command (an earlier attempt
/// committed): answers with the recorded result. The stream moved on
/// without this actor, so it catches up before its next command.
template <class Decider>
void answer_from_record(aggregate_self<Decider>* self,
                        const aggregate_context& ctx) {
  auto& st = self->state;
  st.loaded = false;
  self->request(ctx.reader, caf::infinite, find_atom::value,
                st.current.cmd.command_id)
    .then(
      [self, &ctx](std::optional<command_record>& rec) {
        if (!rec) {
          finish<Decider>(self, ctx,
                          make_error(errc::storage_failure,
                                     "command record vanished"));
          return;
        }
        auto& st = self->state;
        if (rec->stream_id != st.stream_id) {
          // A command id reused for another aggregate is not a repeat.
          finish<Decider>(self, ctx,
                          make_error(errc::duplicate_command,
                                     "command id " + rec->command_id
                                       + " was used for " + rec->stream_id));
          return;
        }
        finish<Decider>(self, ctx,
                        command_result{rec->version, rec->last_position});
      },
      [self, &ctx](caf::error& err) {
        finish<Decider>(self, ctx, std::move(err));
      });
}

/// The current command was decided without writing (refused, no events,
/// or a throwing handler): answers `answer` unless the store recorded the
/// command, which makes it a repeat of one that wrote, answered with its
/// first result. One indexed lookup, on the reader's thread; commands that
/// write need none, since the store refuses their append as
/// `duplicate_command` when they are repeats (see `answer_from_record`).
template <class Decider>
void answer_unless_recorded(aggregate_self<Decider>* self,
                            const aggregate_context& ctx,
                            caf::expected<command_result> answer) {
  auto& st = self->state;
  if (st.current.cmd.command_id.empty()) {
    finish_with(self, ctx, std::move(answer));
    return;
  }
  self->request(ctx.reader, caf::infinite, find_atom::value,
                st.current.cmd.command_id)
    .then(
      [self, &ctx, answer = std::move(answer)](
        std::optional<command_record>& rec) mutable {
        auto& st = self->state;
        if (!rec) {
          // Never recorded (or purged): the decision stands.
          finish_with(self, ctx, std::move(answer));
          return;
        }
        if (rec->stream_id != st.stream_id) {
          finish<Decider>(self, ctx,
                          make_error(errc::duplicate_command,
                                     "command id " + rec->command_id
                                       + " was used for " + rec->stream_id));
          return;
        }
        // Recorded by another process after this actor read the stream:
        // catch up before the next command.
        if (rec->version > st.agg.version())
          st.loaded = false;
        command_result first{rec->version, rec->last_position};
        st.remember(st.current.cmd.command_id, first);
        finish<Decider>(self, ctx, first);
      },
      [self, &ctx](caf::error& err) {
        // Whether this is a repeat is unknown: the decision cannot be
        // trusted to be the first answer.
        finish<Decider>(self, ctx, std::move(err));
      });
}

template <class Decider>
void decide_and_append(aggregate_self<Decider>* self,
                       const aggregate_context& ctx) {
  using command_type = typename Decider::command_type;
  auto& st = self->state;
  auto& env = st.current.cmd;
  auto cmd = std::any_cast<command_type>(&env.payload);
  if (cmd == nullptr) {
    finish<Decider>(self, ctx,
                    make_error(errc::invalid_argument,
                               "command " + env.type
                                 + " has no payload of the aggregate's "
                                   "command type"));
    return;
  }
  // A repeated command gets its first answer; it does not run again.
  std::transform(env.command_id.begin(), env.command_id.end(),
                 env.command_id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (auto known = st.recalled(env.command_id)) {
    finish<Decider>(self, ctx, *known);
    return;
  }
  caf::expected<std::vector<typename Decider::event_type>> decided{
    std::vector<typename Decider::event_type>{}};
  try {
    decided = st.agg.decide(*cmd);
  } catch (const std::exception& ex) {
    // A throwing handler becomes an error reply; the actor lives on.
    answer_unless_recorded(self, ctx,
                           make_error(errc::handler_failed,
                                      "command " + env.type
                                        + " threw: " + ex.what()));
    return;
  }
  // Not in memory, and deciding again wrote nothing: only the store can
  // tell whether this is a repeat of a command that wrote.
  if (!decided) {
    answer_unless_recorded(self, ctx, std::move(decided.error()));
    return;
  }
  if (decided->empty()) {
    answer_unless_recorded(self, ctx, command_result{st.agg.version(), 0});
    return;
  }
  // Every event carries the command's correlation, user and tenant ids, and
  // the command id as causation id.
  auto meta = env.meta;
  meta.causation_id = env.command_id;
  auto data = to_event_data(*ctx.registry, *decided, meta);
  if (!data) {
    answer_unless_recorded(self, ctx, std::move(data.error()));
    return;
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
    finish<Decider>(self, ctx,
                    make_error(errc::overloaded,
                               "too many appends waiting for the store"));
    return;
  }
  auto events = std::move(*decided);
  self->request(ctx.writer.actor, caf::infinite, append_atom::value,
                std::move(*reserved))
    .then(
      [self, &ctx, events = std::move(events)](append_result& res) {
        auto& st = self->state;
        auto old_version = st.agg.version();
        st.agg.apply(events);
        command_result result{res.version, res.positions.back()};
        st.remember(st.current.cmd.command_id, result);
        st.current.rp.deliver(result);
        st.answered();
        maybe_snapshot(self, ctx, old_version);
        st.busy = false;
        start_next(self, ctx);
      },
      [self, &ctx](caf::error& err) {
        auto& st = self->state;
        if (code_of(err) == errc::duplicate_command) {
          answer_from_record(self, ctx);
          return;
        }
        if (code_of(err) == errc::wrong_expected_version
            && st.attempt < ctx.retry.max_retries) {
          schedule_retry(self, ctx);
          return;
        }
        finish<Decider>(self, ctx, std::move(err));
      });
}

template <class Decider>
void start_next(aggregate_self<Decider>* self, const aggregate_context& ctx) {
  auto& st = self->state;
  // Commands answered at once (business errors, repeats, overload) call
  // back into here through `finish`: the loop below takes them, so the
  // stack stays flat however many commands wait.
  if (st.draining)
    return;
  st.draining = true;
  while (!st.busy && !st.waiting.empty()) {
    st.busy = true;
    st.current = std::move(st.waiting.front());
    st.waiting.pop_front();
    st.attempt = 0;
    if (st.loaded)
      decide_and_append(self, ctx);
    else
      load_then_decide(self, ctx);
  }
  st.draining = false;
  if (st.passivating && !st.busy && st.waiting.empty())
    self->quit();
}

/// Answers every command the actor holds with `err` (it is going down).
template <class Decider>
void fail_all(aggregate_self<Decider>* self, const caf::error& err) {
  auto& st = self->state;
  if (st.busy) {
    st.current.rp.deliver(err);
    st.answered();
  }
  st.busy = false;
  for (auto& p : st.waiting)
    p.rp.deliver(err);
  st.answered(st.waiting.size());
  st.waiting.clear();
}

} // namespace detail

/// The actor of one aggregate instance: answers
/// `(command_atom, command_envelope)` with `command_result` or the error.
/// `in_flight` (may be null) counts the commands sent to it and not yet
/// answered: the sender raises it, the actor lowers it as it answers.
///
/// It handles one command at a time; later commands wait in order. On its
/// first command it rehydrates from the store (through `ctx.reader`). It
/// decides, appends through the persistence actor with the version it
/// decided on, and applies the events once they are committed. When
/// another writer got there first (`wrong_expected_version`) it reads the
/// new events and decides again, up to `ctx.retry.max_retries` times with
/// jittered backoff; business errors are returned at once.
template <class Decider>
caf::behavior aggregate_actor(detail::aggregate_self<Decider>* self,
                              std::string stream_id,
                              std::shared_ptr<const aggregate_context> ctx,
                              std::shared_ptr<std::atomic<int64_t>> in_flight) {
  self->state.stream_id = std::move(stream_id);
  self->state.in_flight = std::move(in_flight);
  // Callbacks refer to the context through the state, which outlives them:
  // nothing is copied per message.
  self->state.ctx = std::move(ctx);
  // An exception outside `decide` (in `evolve`, a state codec, ...) ends
  // the actor; everyone waiting on it gets an answer first. Its router
  // forgets it, and the aggregate's next command rehydrates a new one.
  self->set_exception_handler(
    [self](caf::scheduled_actor*, std::exception_ptr& eptr) -> caf::error {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(eptr);
      } catch (const std::exception& ex) {
        what = ex.what();
      } catch (...) {
        // keep the default text
      }
      auto err = make_error(errc::handler_failed,
                            "aggregate " + self->state.stream_id + ": " + what);
      detail::fail_all(self, err);
      return err;
    });
  return {
    [self](command_atom, command_envelope& cmd) {
      auto rp = self->template make_response_promise<command_result>();
      auto& st = self->state;
      if (st.waiting.size() >= st.ctx->max_waiting) {
        rp.deliver(make_error(errc::overloaded,
                              "too many commands waiting for aggregate "
                                + st.stream_id));
        st.answered();
        return rp;
      }
      st.waiting.push_back({std::move(cmd), rp});
      detail::start_next(self, *st.ctx);
      return rp;
    },
    [self](retry_atom) {
      detail::load_then_decide(self, *self->state.ctx);
    },
    [self](passivate_atom) {
      self->state.passivating = true;
      detail::start_next(self, *self->state.ctx);
    },
  };
}

} // namespace mink
