#include "mink/actors/persistence.hpp"

#include <chrono>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/clock.hpp"
#include "mink/errc.hpp"
#include "mink/uuid.hpp"

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

/// Sends the committed events of a batch to the feed, in position order.
void publish(persistence_actor* self, const caf::actor& feed,
             std::vector<std::vector<event_data>>& events,
             const std::vector<std::string>& stream_ids,
             const append_results& results) {
  std::vector<recorded_event> out;
  // The commit time as this process saw it; the store's own timestamp is
  // a few microseconds earlier.
  auto now = now_us();
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i])
      continue;
    const auto& positions = results[i]->positions;
    auto version = results[i]->version
                   - static_cast<int64_t>(positions.size());
    for (size_t j = 0; j < positions.size() && j < events[i].size(); ++j) {
      auto& ev = events[i][j];
      recorded_event rec;
      rec.event_id = std::move(ev.event_id);
      rec.stream_id = stream_ids[i];
      rec.stream_version = ++version;
      rec.global_position = positions[j];
      rec.type = std::move(ev.type);
      rec.schema_version = ev.schema_version;
      rec.data = std::move(ev.data);
      rec.meta = std::move(ev.meta);
      rec.timestamp_us = now;
      out.push_back(std::move(rec));
    }
  }
  if (!out.empty())
    self->send(feed, publish_atom::value, std::move(out));
}

void flush(persistence_actor* self, event_store& store,
           persistence_stats& stats, const persistence_config& cfg) {
  const auto& feed = cfg.feed;
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
  // What the feed gets: copies made before the batch moves into the store,
  // with the event ids the store would otherwise make up.
  std::vector<std::vector<event_data>> published;
  std::vector<std::string> stream_ids;
  if (feed) {
    published.reserve(n);
    for (auto& x : batch) {
      for (auto& ev : x.events)
        if (ev.event_id.empty())
          ev.event_id = make_uuid();
      published.push_back(x.events);
      stream_ids.push_back(x.stream_id);
    }
  }
  // Blocks this actor's own thread; the appends arriving meanwhile form
  // the next batch.
  auto started = std::chrono::steady_clock::now();
  auto results = store.append(std::move(batch));
  if (cfg.on_batch)
    cfg.on_batch(n, events,
                 std::chrono::duration<double>(std::chrono::steady_clock::now()
                                               - started)
                   .count());
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
  if (feed)
    publish(self, feed, published, stream_ids, results);
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
        flush(self, *store, *stats, cfg);
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
      flush(self, *store, *stats, cfg);
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
