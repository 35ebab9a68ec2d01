#include "mink/actors/persistence.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

/// A batch on its way to the committer and back: the appends (kept for the
/// feed, which needs their encoded events after the commit), their results
/// and the seconds the store call took.
struct commit_batch {
  std::vector<checked_append> appends;
  append_results results;
  double seconds = 0;
};

} // namespace

} // namespace mink

// Travels between the two actors of this file only; never serialized.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(mink::commit_batch)

namespace mink {

namespace {

using commit_atom = caf::atom_constant<caf::atom("mk_commit")>;

/// The persistence actor's helper on a thread of its own: commits a batch
/// and answers it with its results.
using committer_actor = caf::typed_actor<
  caf::replies_to<commit_atom, commit_batch>::with<commit_batch>>;

/// The promise of a group of appends (`append_group_result`), answered
/// once every member has its result.
struct group_answer {
  caf::typed_response_promise<append_group_result> rp;
  append_group_result out;
  size_t left = 0;

  void set(size_t index, caf::expected<append_result> x) {
    out.results[index] = std::move(x);
    release();
  }

  /// Counts one answer (or the sender's hold, see the handler) as given.
  void release() {
    if (--left == 0)
      rp.deliver(std::move(out));
  }
};

/// Whom to answer for one pending append: its own promise, or its place in
/// a group.
struct answer_to {
  caf::typed_response_promise<append_result> rp;
  std::shared_ptr<group_answer> group;
  size_t index = 0;

  void deliver(caf::expected<append_result> x) {
    if (group)
      group->set(index, std::move(x));
    else if (x)
      rp.deliver(std::move(*x));
    else
      rp.deliver(std::move(x.error()));
  }
};

struct persistence_state {
  /// Appends checked and encoded, waiting for the committer, in arrival
  /// order, and the promises to answer them.
  std::vector<checked_append> pending;
  std::vector<answer_to> promises;
  /// Whether each pending append must commit with the one before it (a
  /// group's member after its first): batches never part them.
  std::vector<bool> joined;
  size_t pending_events = 0;
  /// The actor that calls the store (blocking), on a thread of its own.
  committer_actor committer;
  std::shared_ptr<persistence_stats> stats;
  persistence_config cfg;
  /// Whether the committer holds a batch, and the promises of its appends.
  bool committing = false;
  std::vector<answer_to> inflight;
  bool flush_scheduled = false;
  static inline const char* name = "mink.persistence";
};

using persistence_self = persistence_actor::stateful_pointer<persistence_state>;

/// Sends the committed events of a batch to the feed, in position order.
void publish(persistence_self self, const feed_actor& feed,
             commit_batch& done) {
  std::vector<recorded_event> out;
  for (size_t i = 0; i < done.results.size(); ++i) {
    if (!done.results[i])
      continue;
    auto x = std::move(done.appends[i]).release();
    const auto& positions = done.results[i]->positions;
    auto version = done.results[i]->version
                   - static_cast<int64_t>(positions.size());
    for (size_t j = 0; j < positions.size() && j < x.events.size(); ++j) {
      auto& ev = x.events[j];
      recorded_event rec;
      rec.event_id = std::move(ev.event_id);
      rec.stream_id = x.stream_id;
      rec.stream_version = ++version;
      rec.global_position = positions[j];
      rec.type = std::move(ev.type);
      rec.schema_version = ev.schema_version;
      rec.data = std::move(ev.data);
      rec.meta = std::move(ev.meta);
      // The time the store wrote, not the time of publishing: a read
      // model built from the feed equals one rebuilt from the store.
      rec.timestamp_us = done.results[i]->timestamp_us;
      out.push_back(std::move(rec));
    }
  }
  if (!out.empty())
    self->send(feed, publish_atom::value, std::move(out));
}

void start_commit(persistence_self self);

/// Answers appends whose outcome this actor will not learn, giving back
/// their slots. The answer is a store error, not CAF's `system` category:
/// senders give a slot back themselves only for appends this actor never
/// saw. Appends that reached the committer may have committed; a retry
/// with the same command id finds out.
void fail_all(persistence_self self, std::vector<answer_to>& rps,
              const caf::error& why, bool reached_committer) {
  self->state.stats->queued.fetch_sub(rps.size(), std::memory_order_relaxed);
  auto err = make_error(errc::storage_failure,
                        std::string{reached_committer
                                      ? "the append may have committed; "
                                      : "the append was not written; "}
                          + "the persistence actor stopped: "
                          + to_text(why));
  for (auto& rp : rps)
    rp.deliver(err);
  rps.clear();
}

/// Answers the appends of a committed batch and starts the next one.
void on_committed(persistence_self self, commit_batch& done) {
  auto rps = std::move(self->state.inflight);
  self->state.inflight.clear();
  auto& stats = *self->state.stats;
  const auto& cfg = self->state.cfg;
  auto n = done.appends.size();
  size_t events = 0;
  uint64_t conflicts = 0;
  for (size_t i = 0; i < n; ++i) {
    events += done.appends[i]->events.size();
    if (!done.results[i]
        && code_of(done.results[i].error()) == errc::wrong_expected_version)
      ++conflicts;
  }
  if (conflicts > 0)
    stats.conflicts.fetch_add(conflicts, std::memory_order_relaxed);
  if (cfg.on_batch)
    cfg.on_batch(n, events, done.seconds);
  stats.batches.fetch_add(1, std::memory_order_relaxed);
  stats.appends.fetch_add(n, std::memory_order_relaxed);
  stats.events.fetch_add(events, std::memory_order_relaxed);
  auto max = stats.max_batch_appends.load(std::memory_order_relaxed);
  while (n > max
         && !stats.max_batch_appends.compare_exchange_weak(max, n,
                                                           std::memory_order_relaxed))
    ; // retry with the updated max
  // The next batch goes to the committer before this one is answered: the
  // database need not wait for the answers.
  self->state.committing = false;
  start_commit(self);
  // Free the slots before answering: a sender may reserve again as soon as
  // it has its answer.
  stats.queued.fetch_sub(n, std::memory_order_relaxed);
  if (cfg.feed)
    publish(self, cfg.feed, done);
  for (size_t i = 0; i < n; ++i)
    rps[i].deliver(std::move(done.results[i]));
}

/// Hands the committer the appends waiting (up to `max_batch_events`
/// events) unless it is busy; those that arrive meanwhile form the next
/// batch.
void start_commit(persistence_self self) {
  auto& st = self->state;
  const auto& cfg = st.cfg;
  if (st.committing || st.pending.empty())
    return;
  commit_batch batch;
  std::vector<answer_to> rps;
  size_t take = 0;
  size_t events = 0;
  // At least one append, however many events it has, and never part of a
  // group.
  while (take < st.pending.size()
         && (take == 0 || st.joined[take]
             || events + st.pending[take]->events.size()
                  <= cfg.max_batch_events))
    events += st.pending[take++]->events.size();
  if (take == st.pending.size()) {
    batch.appends = std::move(st.pending);
    rps = std::move(st.promises);
    st.pending.clear();
    st.promises.clear();
    st.joined.clear();
  } else {
    auto split = static_cast<std::ptrdiff_t>(take);
    batch.appends.assign(std::make_move_iterator(st.pending.begin()),
                         std::make_move_iterator(st.pending.begin() + split));
    rps.assign(std::make_move_iterator(st.promises.begin()),
               std::make_move_iterator(st.promises.begin() + split));
    st.pending.erase(st.pending.begin(), st.pending.begin() + split);
    st.promises.erase(st.promises.begin(), st.promises.begin() + split);
    st.joined.erase(st.joined.begin(), st.joined.begin() + split);
  }
  st.pending_events -= events;
  st.committing = true;
  st.inflight = std::move(rps);
  self->request(st.committer, caf::infinite, commit_atom::value,
                std::move(batch))
    .then([self](commit_batch& done) { on_committed(self, done); },
          [self](caf::error& err) {
            // The committer is gone: nothing of the batch is known to have
            // committed.
            auto rps = std::move(self->state.inflight);
            self->state.inflight.clear();
            self->state.committing = false;
            fail_all(self, rps, err, true);
            start_commit(self);
          });
}

/// Calls the store; blocks its own thread for the transaction.
committer_actor::behavior_type committer_impl(committer_actor::pointer,
                             std::shared_ptr<event_store> store) {
  return {
    [store](commit_atom, commit_batch& batch) {
      auto started = std::chrono::steady_clock::now();
      try {
        batch.results = store->append_checked(batch.appends);
      } catch (const std::exception& ex) {
        // Out of memory before the store call: nothing was written.
        batch.results.assign(batch.appends.size(),
                             make_error(errc::storage_failure,
                                        std::string{"append failed: "}
                                          + ex.what()));
      }
      batch.seconds = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - started)
                        .count();
      return std::move(batch);
    },
  };
}

/// Claims `x`'s slot, checks and encodes it and queues it for the next
/// batch (with the one before it when `joined`); the error when it is not
/// taken (then it holds no slot).
caf::error take(persistence_self self, reserved_append& x, answer_to who,
                bool joined) {
  auto& st = self->state;
  // From here on the slot is this actor's to give back (when it answers);
  // without one, the append is not taken.
  if (!x.slot || !x.slot->claim())
    return make_error(errc::invalid_argument,
                      "an append needs a queue slot of its own "
                      "(persistence::try_reserve)");
  if (st.cfg.fence_for) {
    auto fence = st.cfg.fence_for(x.append.stream_id);
    if (!fence) {
      st.stats->queued.fetch_sub(1, std::memory_order_relaxed);
      return std::move(fence.error());
    }
    x.append.fence = *fence;
  }
  // Checked and encoded here, while the committer is busy with the batch
  // before, so that its thread only talks to the database.
  auto prepared = event_store::prepare_append(std::move(x.append));
  if (!prepared) {
    st.stats->queued.fetch_sub(1, std::memory_order_relaxed);
    return std::move(prepared.error());
  }
  st.pending_events += (*prepared)->events.size();
  st.pending.push_back(std::move(*prepared));
  st.promises.push_back(std::move(who));
  st.joined.push_back(joined);
  if (!st.committing && !st.flush_scheduled) {
    // The flush message queues behind every append already waiting, so the
    // batch takes all of them.
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
  return {};
}

persistence_actor::behavior_type persistence_impl(persistence_self self,
                               std::shared_ptr<event_store> store,
                               std::shared_ptr<persistence_stats> stats,
                               persistence_config cfg) {
  // Linked: it ends with this actor.
  self->state.committer = self->spawn<caf::detached + caf::linked>(
    committer_impl, std::move(store));
  self->state.stats = std::move(stats);
  self->state.cfg = std::move(cfg);
  // A shutdown, or the committer's end: answer every append held, then go.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    auto why = msg.reason ? msg.reason
                          : make_error(errc::storage_failure, "stopped");
    fail_all(self, st.inflight, why, true);
    fail_all(self, st.promises, why, false);
    st.pending.clear();
    st.joined.clear();
    st.pending_events = 0;
    st.committing = false;
    self->quit(msg.reason);
  });
  return {
    [self](append_atom, reserved_append& x) -> caf::result<append_result> {
      auto rp = self->make_response_promise<append_result>();
      if (auto err = take(self, x, answer_to{rp, nullptr, 0}, false))
        rp.deliver(std::move(err));
      return rp;
    },
    [self](append_atom, std::vector<reserved_append>& xs)
      -> caf::result<append_group_result> {
      auto group = std::make_shared<group_answer>();
      group->rp = self->make_response_promise<append_group_result>();
      group->out.results.assign(xs.size(), append_result{});
      group->left = xs.size() + 1; // + 1 until every member is placed
      bool joined = false;
      for (size_t i = 0; i < xs.size(); ++i) {
        if (auto err = take(self, xs[i], answer_to{{}, group, i}, joined))
          group->set(i, std::move(err));
        else
          joined = true;
      }
      auto rp = group->rp;
      group->release(); // every member is placed
      return rp;
    },
    [self](flush_atom) {
      self->state.flush_scheduled = false;
      start_commit(self);
    },
  };
}

} // namespace

append_slot::~append_slot() {
  if (!claimed_.load(std::memory_order_relaxed))
    stats_->queued.fetch_sub(1, std::memory_order_relaxed);
}

persistence spawn_persistence(caf::actor_system& sys,
                              std::shared_ptr<event_store> store,
                              persistence_config cfg) {
  auto stats = std::make_shared<persistence_stats>();
  auto actor = sys.spawn(persistence_impl, std::move(store),
                                        stats, cfg);
  return persistence{std::move(actor), std::move(stats), cfg};
}

} // namespace mink
