#include "mink/actors/snapshot_writer.hpp"

#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"
#include "mink/footprint.hpp"

namespace mink {

namespace {

/// The approximate bytes of a snapshot in memory.
size_t footprint(const snapshot& x) {
  return sizeof(snapshot) + heap_bytes(x.stream_id) + heap_bytes(x.state_type)
         + heap_bytes(x.data);
}

/// The writer's helper: saves one snapshot at a time (answers whether it
/// did); blocks its own thread on the store.
using saver_actor
  = caf::typed_actor<caf::replies_to<snapshot_atom, snapshot>::with<bool>>;

saver_actor::behavior_type saver_impl(saver_actor::pointer,
                         std::shared_ptr<snapshot_store> store,
                         std::shared_ptr<snapshot_stats> stats, logger_ptr log) {
  return {
    [=](snapshot_atom, snapshot& snap) {
      auto stream = snap.stream_id;
      auto version = snap.version;
      if (auto err = store->save(std::move(snap))) {
        stats->failed.fetch_add(1, std::memory_order_relaxed);
        log->warn("snapshot of {} at version {} not saved: {}", stream,
                  version, to_text(err));
        return false;
      }
      stats->written.fetch_add(1, std::memory_order_relaxed);
      return true;
    },
  };
}

struct writer_state {
  /// The newest snapshot of each stream waiting, and the streams in the
  /// order their first waiting snapshot came.
  std::unordered_map<std::string, snapshot> pending;
  std::deque<std::string> order;
  size_t pending_bytes = 0;
  /// Whether the saver holds a snapshot.
  bool saving = false;
  saver_actor saver;
  static inline const char* name = "mink.snapshot_writer";
};

using writer_self = snapshot_writer_actor::stateful_pointer<writer_state>;

/// Hands the saver the oldest waiting stream's snapshot unless it is busy.
void save_next(writer_self self) {
  auto& st = self->state;
  if (st.saving || st.order.empty())
    return;
  auto i = st.pending.find(st.order.front());
  st.order.pop_front();
  auto snap = std::move(i->second);
  st.pending.erase(i);
  st.pending_bytes -= footprint(snap);
  st.saving = true;
  self->request(st.saver, caf::infinite, snapshot_atom::value, std::move(snap))
    .then(
      [self](bool) {
        self->state.saving = false;
        save_next(self);
      },
      [self](caf::error& err) {
        // The saver is gone (shutdown): the writer goes with it.
        self->quit(std::move(err));
      });
}

/// Queues `snap`, replacing an older one of its stream; false when it
/// does not fit in `cfg`.
bool enqueue(writer_state& st, const snapshot_writer_config& cfg,
             snapshot_stats& stats, snapshot& snap) {
  auto bytes = footprint(snap);
  auto i = st.pending.find(snap.stream_id);
  if (i != st.pending.end()) {
    stats.coalesced.fetch_add(1, std::memory_order_relaxed);
    if (snap.version <= i->second.version)
      return true; // the waiting one is newer
    auto old_bytes = footprint(i->second);
    if (st.pending_bytes - old_bytes + bytes > cfg.max_pending_bytes)
      return false;
    st.pending_bytes = st.pending_bytes - old_bytes + bytes;
    i->second = std::move(snap);
    return true;
  }
  if (st.pending.size() >= cfg.max_pending
      || st.pending_bytes + bytes > cfg.max_pending_bytes)
    return false;
  st.pending_bytes += bytes;
  st.order.push_back(snap.stream_id);
  st.pending.emplace(snap.stream_id, std::move(snap));
  return true;
}

snapshot_writer_actor::behavior_type writer_impl(writer_self self,
                          std::shared_ptr<snapshot_store> store,
                          std::shared_ptr<snapshot_stats> stats,
                          snapshot_writer_config cfg) {
  // Linked: it ends with this actor.
  self->state.saver = self->spawn<caf::detached + caf::linked>(
    saver_impl, std::move(store), stats, cfg.log);
  return {
    [=](snapshot_atom, snapshot& snap) {
      auto& st = self->state;
      auto stream = snap.stream_id;
      auto version = snap.version;
      if (!enqueue(st, cfg, *stats, snap)) {
        stats->dropped.fetch_add(1, std::memory_order_relaxed);
        cfg.log->debug("snapshot of {} at version {} dropped: the writer's "
                       "queue is full",
                       stream, version);
        return;
      }
      save_next(self);
    },
  };
}

} // namespace

snapshot_writer_actor spawn_snapshot_writer(caf::actor_system& sys,
                                 std::shared_ptr<snapshot_store> store,
                                 std::shared_ptr<snapshot_stats> stats,
                                 snapshot_writer_config cfg) {
  cfg.log = or_default(std::move(cfg.log));
  return sys.spawn(writer_impl, std::move(store), std::move(stats), cfg);
}

} // namespace mink
