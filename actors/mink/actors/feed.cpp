#include "mink/actors/feed.hpp"

#include <algorithm>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"
#include "mink/footprint.hpp"

namespace mink {

namespace {

/// A subscriber's request waiting for events past the head.
struct parked_request {
  caf::typed_response_promise<feed_batch> promise;
  int64_t from;
  uint32_t max;
  caf::actor_clock::time_point deadline;
};

struct feed_state {
  /// Events `oldest` .. `head`, dense.
  std::deque<recorded_event> cache;
  /// The `footprint` of the events in `cache`.
  size_t cached_bytes = 0;
  /// The position of `cache.front()` when not empty; `head + 1` otherwise.
  int64_t oldest = 1;
  int64_t head = 0;
  std::vector<parked_request> parked;
  /// The last store failure was logged; log the next one only after a
  /// success, so an outage does not flood the log.
  bool failing = false;
  /// A commit notification's look at the store is scheduled.
  bool look_due = false;
  /// The highest position notifications told of, and whether one told of
  /// a commit without saying where (after the watch reconnected).
  int64_t notified = 0;
  bool notified_somewhere = false;
  /// Tells of other processes' commits; null when the store cannot.
  std::unique_ptr<commit_watch> watch;
  static inline const char* name = "mink.feed";
};

using feed_self = feed_actor::stateful_pointer<feed_state>;

/// Appends `ev` to the cache (it must be `head + 1`) and trims the oldest
/// beyond `max_cached_events` and `max_cached_bytes`.
void push(feed_state& st, recorded_event ev, const feed_config& cfg) {
  st.head = ev.global_position;
  st.cached_bytes += footprint(ev);
  st.cache.push_back(std::move(ev));
  while (!st.cache.empty()
         && (st.cache.size() > cfg.max_cached_events
             || st.cached_bytes > cfg.max_cached_bytes)) {
    st.cached_bytes -= footprint(st.cache.front());
    st.cache.pop_front();
  }
  st.oldest = st.cache.empty() ? st.head + 1
                               : st.cache.front().global_position;
}

/// Reads events `head + 1` .. `until` (all that exist when `until` is 0)
/// from the store into the cache. Returns false when the store failed.
bool read_store(feed_self self, event_store& store, const feed_config& cfg,
                int64_t until) {
  auto& st = self->state;
  while (until == 0 || st.head < until) {
    auto limit = cfg.read_batch;
    if (until != 0)
      limit = std::min(limit, static_cast<size_t>(until - st.head));
    auto events = store.read_all(st.head + 1, limit);
    if (!events) {
      if (!st.failing)
        cfg.log->warn("mink feed: cannot read events after position {}: {}",
                     st.head, to_text(events.error()));
      st.failing = true;
      return false;
    }
    st.failing = false;
    for (auto& ev : *events) {
      // The store is dense: anything else means it was changed under us.
      if (ev.global_position != st.head + 1) {
        cfg.log->error("mink feed: the store returned position {} after {}",
                      ev.global_position, st.head);
        return false;
      }
      push(st, std::move(ev), cfg);
    }
    if (events->size() < limit)
      return until == 0 || st.head >= until;
  }
  return true;
}

/// Builds the answer to a request for events from `from` on.
feed_batch answer(const feed_state& st, int64_t from, uint32_t max) {
  feed_batch result;
  result.head = st.head;
  result.oldest = st.oldest;
  if (from < st.oldest) {
    result.behind = true;
    return result;
  }
  auto first = static_cast<size_t>(from - st.oldest);
  auto last = std::min(st.cache.size(), first + max);
  if (first < last) {
    result.events.reserve(last - first);
    std::copy(st.cache.begin() + static_cast<std::ptrdiff_t>(first),
              st.cache.begin() + static_cast<std::ptrdiff_t>(last),
              std::back_inserter(result.events));
  }
  return result;
}

/// Answers every parked request that now has events, or whose wait ran
/// out (with none).
void serve_parked(feed_self self) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto keep = std::remove_if(st.parked.begin(), st.parked.end(),
                             [&](parked_request& p) {
                               if (p.from > st.head && now < p.deadline)
                                 return false;
                               p.promise.deliver(answer(st, p.from, p.max));
                               return true;
                             });
  st.parked.erase(keep, st.parked.end());
}

/// Reads what the store holds past the head, and answers what waits.
void look(feed_self self, event_store& store, const feed_config& cfg) {
  auto& st = self->state;
  auto last = store.last_position();
  if (last && *last > st.head)
    read_store(self, store, cfg, *last);
  serve_parked(self);
}

feed_actor::behavior_type feed_impl(feed_self self, std::shared_ptr<event_store> store,
                        feed_config cfg) {
  auto& st = self->state;
  if (auto last = store->last_position()) {
    st.head = *last;
  } else {
    // Start from the beginning: the first poll that succeeds fills in.
    cfg.log->warn("mink feed: cannot read the last position: {}",
                 to_text(last.error()));
  }
  st.oldest = st.head + 1;
  if (cfg.watch_commits) {
    // Weak: the watch lives in the feed's state and must not keep it alive.
    auto feed = self->address();
    st.watch = store->watch_commits([feed](int64_t position) {
      if (auto strong = caf::actor_cast<feed_actor>(feed))
        caf::anon_send(strong, commit_atom::value, position);
    });
  }
  self->delayed_send(self, cfg.poll_interval, tick_atom::value);
  return {
    [=](publish_atom, std::vector<recorded_event>& events) {
      auto& st = self->state;
      // The persistence actor sends them in position order; sort only
      // what is not, instead of paying for a sort on every batch.
      auto by_position = [](const recorded_event& x, const recorded_event& y) {
        return x.global_position < y.global_position;
      };
      if (!std::is_sorted(events.begin(), events.end(), by_position))
        std::sort(events.begin(), events.end(), by_position);
      for (auto& ev : events) {
        if (ev.global_position <= st.head)
          continue; // the poll was faster
        if (ev.global_position > st.head + 1
            && !read_store(self, *store, cfg, ev.global_position - 1))
          // Keep the cache dense: the poll will read these too.
          return;
        push(st, std::move(ev), cfg);
      }
      serve_parked(self);
    },
    [=](next_atom, int64_t from, uint32_t max) -> caf::result<feed_batch> {
      auto& st = self->state;
      if (from < 1 || max == 0)
        return make_error(errc::invalid_argument,
                          "feed request needs a position >= 1 and max >= 1");
      if (from <= st.head || from < st.oldest)
        return answer(st, from, max);
      auto rp = self->make_response_promise<feed_batch>();
      st.parked.push_back(
        parked_request{rp, from, max, self->clock().now() + cfg.max_wait});
      return rp;
    },
    [=](tick_atom) {
      look(self, *store, cfg);
      self->delayed_send(self, cfg.poll_interval, tick_atom::value);
    },
    [=](commit_atom, int64_t position) {
      // From the watch: a position (0: unknown). At most one look per
      // grace period, however many notifications come (anyone may NOTIFY
      // the channel). From the grace timer: -1. The look reads the store
      // only if the grace period did not bring what was told of: this
      // process's own commits are usually published by then.
      auto& st = self->state;
      if (position < 0) {
        st.look_due = false;
        if (st.notified_somewhere || st.notified > st.head) {
          st.notified_somewhere = false;
          look(self, *store, cfg);
        }
        return;
      }
      if (position == 0)
        st.notified_somewhere = true;
      st.notified = std::max(st.notified, position);
      if ((position == 0 || position > st.head) && !st.look_due) {
        st.look_due = true;
        self->delayed_send(self, cfg.notify_grace, commit_atom::value,
                           int64_t{-1});
      }
    },
  };
}

} // namespace

feed_actor spawn_feed(caf::actor_system& sys, std::shared_ptr<event_store> store,
                      feed_config cfg) {
  cfg.log = or_default(std::move(cfg.log));
  return sys.spawn<caf::detached>(feed_impl, std::move(store), cfg);
}

} // namespace mink
