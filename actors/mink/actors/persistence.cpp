#include "mink/actors/persistence.hpp"

#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

struct persistence_state {
  std::vector<stream_append> batch;
  std::vector<caf::typed_response_promise<append_result>> promises;
  size_t events = 0;
  bool flush_scheduled = false;
  static inline const char* name = "mink.persistence";
};

using persistence_actor = caf::stateful_actor<persistence_state>;

void flush(persistence_actor* self, event_store& store,
           persistence_stats& stats) {
  auto& st = self->state;
  if (st.batch.empty())
    return;
  auto batch = std::move(st.batch);
  auto promises = std::move(st.promises);
  auto events = st.events;
  st.batch.clear();
  st.promises.clear();
  st.events = 0;
  auto n = batch.size();
  // Blocks this actor's own thread; the appends arriving meanwhile form
  // the next batch.
  auto results = store.append(std::move(batch));
  stats.batches.fetch_add(1, std::memory_order_relaxed);
  stats.appends.fetch_add(n, std::memory_order_relaxed);
  stats.events.fetch_add(events, std::memory_order_relaxed);
  auto max = stats.max_batch_appends.load(std::memory_order_relaxed);
  while (n > max
         && !stats.max_batch_appends.compare_exchange_weak(max, n,
                                                           std::memory_order_relaxed))
    ; // retry with the updated max
  // Free the slots before answering: a sender may reserve again as soon as
  // it has its answer.
  stats.queued.fetch_sub(n, std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    if (results[i])
      promises[i].deliver(std::move(*results[i]));
    else
      promises[i].deliver(std::move(results[i].error()));
  }
}

caf::behavior persistence_impl(persistence_actor* self,
                               std::shared_ptr<event_store> store,
                               std::shared_ptr<persistence_stats> stats,
                               persistence_config cfg) {
  return {
    [=](append_atom, stream_append& x) {
      auto& st = self->state;
      auto rp = self->make_response_promise<append_result>();
      st.events += x.events.size();
      st.batch.push_back(std::move(x));
      st.promises.push_back(rp);
      if (st.events >= cfg.max_batch_events) {
        flush(self, *store, *stats);
      } else if (!st.flush_scheduled) {
        // The flush message queues behind every append already waiting, so
        // the batch takes all of them.
        st.flush_scheduled = true;
        self->send(self, flush_atom::value);
      }
      return rp;
    },
    [=](flush_atom) {
      self->state.flush_scheduled = false;
      flush(self, *store, *stats);
    },
  };
}

} // namespace

persistence spawn_persistence(caf::actor_system& sys,
                              std::shared_ptr<event_store> store,
                              persistence_config cfg) {
  auto stats = std::make_shared<persistence_stats>();
  auto actor = sys.spawn<caf::detached>(persistence_impl, std::move(store),
                                        stats, cfg);
  return persistence{std::move(actor), std::move(stats), cfg};
}

} // namespace mink
