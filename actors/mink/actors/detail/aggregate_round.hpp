#pragma once

// The parts of an aggregate actor's round that talk to the store reader:
// loading the stream, answering from command records; and the backoff
// after a conflict. The round itself is in aggregate_decide.hpp.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "mink/actors/detail/aggregate_snapshots.hpp"
#include "mink/aggregate_events.hpp"

namespace mink::detail {

template <class Decider>
void start_next(aggregate_self<Decider>* self, const aggregate_context& ctx);

template <class Decider>
void decide_round(aggregate_self<Decider>* self, const aggregate_context& ctx);

/// Stops a passivated actor once it holds nothing more.
template <class Decider>
void maybe_quit(aggregate_self<Decider>* self) {
  auto& st = self->state;
  if (st.passivating && !st.busy && st.waiting.empty()
      && (!st.looking_up || st.looking_up->empty()))
    self->quit();
}

/// Answers every command of the round that is not answered yet with `err`.
template <class Decider>
void fail_round(aggregate_self<Decider>* self, const caf::error& err) {
  auto& st = self->state;
  for (auto& c : st.round)
    if (!c.done)
      st.answer(c, err);
}

/// Answers `c`: from the store's record of its command id when there is
/// one (an earlier attempt of it wrote: its first answer), with `decided`
/// otherwise. The lookup runs on the reader's thread; `c` waits in
/// `looking_up` meanwhile.
template <class Decider>
void answer_from_store(aggregate_self<Decider>* self,
                       const aggregate_context& ctx, held_command& c,
                       std::optional<caf::expected<command_result>> decided) {
  auto& st = self->state;
  if (c.cmd.command_id.empty() && decided) {
    st.answer_with(c, std::move(*decided));
    return;
  }
  auto id = c.cmd.command_id;
  if (!st.looking_up)
    st.looking_up = std::make_unique<std::list<held_command>>();
  c.done = true; // handed on to `looking_up`
  st.looking_up->push_back(std::move(c));
  st.looking_up->back().done = false;
  auto it = std::prev(st.looking_up->end());
  auto finish = [self, it](caf::expected<command_result> x) {
    auto& st = self->state;
    st.answer_with(*it, std::move(x));
    st.looking_up->erase(it);
    if (st.looking_up->empty())
      st.looking_up.reset();
    maybe_quit(self);
  };
  self->request(ctx.reader, caf::infinite, find_atom::value, std::move(id))
    .then(
      [self, it, finish,
       decided = std::move(decided)](std::optional<command_record>& rec) mutable {
        auto& st = self->state;
        if (!rec) {
          // Never recorded (or purged): the decision stands.
          finish(decided ? std::move(*decided)
                         : make_error(errc::storage_failure,
                                      "command record vanished"));
          return;
        }
        if (rec->stream_id != st.stream_id) {
          // A command id reused for another aggregate is not a repeat.
          finish(make_error(errc::duplicate_command,
                            "command id " + rec->command_id + " was used for "
                              + rec->stream_id));
          return;
        }
        // Written by another process after this actor read the stream:
        // catch up before the next round.
        if (rec->version > st.agg.version())
          st.loaded = false;
        command_result first{rec->version, rec->last_position};
        st.recent.remember(it->cmd.command_id, first);
        finish(first);
      },
      [finish](caf::error& err) mutable {
        // Whether this is a repeat is unknown: the decision cannot be
        // trusted to be the first answer.
        finish(std::move(err));
      });
}

/// Reads the events written since the aggregate's version (on the first
/// load: from its latest usable snapshot on), then decides the round.
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
          st.recent.remember(ev.meta.causation_id,
                             command_result{ev.stream_version,
                                            ev.global_position});
        if (auto err = replay(st.agg, *ctx.registry, std::move(loaded.events))) {
          // The aggregate is inconsistent now; read it again next time.
          st.agg = aggregate<Decider>{};
          st.loaded = false;
          st.must_read = true;
          fail_round(self, err);
          st.round.clear();
          st.busy = false;
          start_next(self, ctx);
          return;
        }
        st.loaded = true;
        st.must_read = false;
        decide_round(self, ctx);
      },
      [self, &ctx](caf::error& err) {
        auto& st = self->state;
        fail_round(self, err);
        st.round.clear();
        st.busy = false;
        start_next(self, ctx);
      });
}

/// Waits a jittered delay, growing with `conflicts`, before the next round.
template <class Decider>
void schedule_retry(aggregate_self<Decider>* self, const aggregate_context& ctx,
                    int conflicts) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  auto ceiling = std::min(ctx.retry.max_delay,
                          ctx.retry.base_delay
                            * (1 << std::min(std::max(conflicts - 1, 0), 16)));
  int64_t micros = std::chrono::duration_cast<std::chrono::microseconds>(
                     ceiling)
                     .count();
  std::uniform_int_distribution<int64_t> jitter{micros / 2,
                                                std::max<int64_t>(micros, 1)};
  self->delayed_send(self, std::chrono::microseconds{jitter(rng)},
                     retry_atom::value);
}

} // namespace mink::detail
