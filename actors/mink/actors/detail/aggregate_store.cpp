// The parts of an aggregate actor that talk to the store reader and the
// snapshot writer: loading the stream, answering from command records,
// saving snapshots; and the backoff after a conflict.

#include "mink/actors/detail/aggregate_round.hpp"

#include <algorithm>
#include <chrono>
#include <list>
#include <random>
#include <utility>

#include <spdlog/spdlog.h>

#include <caf/all.hpp>

#include "mink/errc.hpp"

namespace mink::detail {

void maybe_quit(aggregate_self self) {
  auto& st = self->state;
  if (st.passivating && !st.busy && st.waiting.empty()
      && (!st.looking_up || st.looking_up->empty()))
    self->quit();
}

namespace {

/// What the store's command record says about the command `c`.
caf::expected<command_result> answer_of(aggregate_actor_state& st,
                                        const held_command& c,
                                        const command_record& rec) {
  if (rec.stream_id != st.stream_id)
    // A command id reused for another aggregate is not a repeat.
    return make_error(errc::duplicate_command,
                      "command id " + rec.command_id + " was used for "
                        + rec.stream_id);
  // Written by another process after this actor read the stream: catch up
  // before the next round.
  if (rec.version > st.model->version())
    st.loaded = false;
  command_result first{rec.version, rec.last_position};
  st.recent.remember(c.cmd.command_id, first);
  return first;
}

} // namespace

void answer_from_store(aggregate_self self, held_command& c,
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
  self->request(st.ctx->reader, caf::infinite, find_atom::value, std::move(id))
    .then(
      [self, it, finish,
       decided = std::move(decided)](std::optional<command_record>& rec) mutable {
        if (rec)
          finish(answer_of(self->state, *it, *rec));
        else if (decided)
          // Never recorded (or purged): the decision stands.
          finish(std::move(*decided));
        else
          finish(make_error(errc::storage_failure, "command record vanished"));
      },
      [finish](caf::error& err) mutable {
        // Whether this is a repeat is unknown: the decision cannot be
        // trusted to be the first answer.
        finish(std::move(err));
      });
}

namespace {

/// Gives up the round after a failed read: its commands get `err`.
void abandon_round(aggregate_self self, const caf::error& err) {
  auto& st = self->state;
  fail_round(self, err);
  st.round.clear();
  st.busy = false;
  start_next(self);
}

/// Brings the aggregate up to date with what the reader loaded; false
/// when the snapshot cannot be used (read again without it).
bool take_loaded(aggregate_self self, load_result& loaded) {
  auto& st = self->state;
  if (loaded.snap) {
    if (auto err = st.model->restore(*loaded.snap)) {
      // Another state version or a broken snapshot: replay everything.
      st.ctx->snapshot_counters->ignored.fetch_add(1,
                                                   std::memory_order_relaxed);
      st.ctx->log->warn("ignoring snapshot of {} at version {}: {}", st.stream_id,
                   loaded.snap->version, to_text(err));
      st.model->reset();
      return false;
    }
  }
  // Commands seen in the stream, for answering repeats.
  for (auto& ev : loaded.events)
    st.recent.remember(ev.meta.causation_id,
                       command_result{ev.stream_version, ev.global_position});
  return true;
}

} // namespace

void load_then_decide(aggregate_self self, bool try_snapshot) {
  auto& st = self->state;
  auto use_snapshot = try_snapshot && !st.loaded && st.model->version() == 0
                      && st.model->has_state_codec()
                      && st.ctx->snapshot_writer != nullptr;
  self->request(st.ctx->reader, caf::infinite, load_atom::value, st.stream_id,
                st.model->version() + 1, use_snapshot)
    .then(
      [self](load_result& loaded) {
        auto& st = self->state;
        if (!take_loaded(self, loaded)) {
          load_then_decide(self, false);
          return;
        }
        if (auto err = st.model->replay(*st.ctx->registry,
                                        std::move(loaded.events))) {
          // The aggregate is inconsistent now; read it again next time.
          st.model->reset();
          st.loaded = false;
          st.must_read = true;
          abandon_round(self, err);
          return;
        }
        st.loaded = true;
        st.must_read = false;
        decide_round(self);
      },
      [self](caf::error& err) { abandon_round(self, err); });
}

void schedule_retry(aggregate_self self, int conflicts) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const auto& retry = self->state.ctx->retry;
  auto ceiling = std::min(retry.max_delay,
                          retry.base_delay
                            * (1 << std::min(std::max(conflicts - 1, 0), 16)));
  int64_t micros
    = std::chrono::duration_cast<std::chrono::microseconds>(ceiling).count();
  std::uniform_int_distribution<int64_t> jitter{micros / 2,
                                                std::max<int64_t>(micros, 1)};
  self->delayed_send(self, std::chrono::microseconds{jitter(rng)},
                     retry_atom::value);
}

void maybe_snapshot(aggregate_self self, int64_t old_version) {
  auto& st = self->state;
  auto& ctx = *st.ctx;
  if (!st.model->has_state_codec() || ctx.snapshot_writer == nullptr
      || !ctx.snapshots.due(old_version, st.model->version()))
    return;
  auto snap = st.model->take_snapshot();
  if (!snap)
    return;
  snap->stream_id = st.stream_id;
  self->send(ctx.snapshot_writer, snapshot_atom::value, std::move(*snap));
}

} // namespace mink::detail
