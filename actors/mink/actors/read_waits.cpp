#include "mink/actors/read_waits.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include <caf/all.hpp>

#include "mink/errc.hpp"

namespace mink::detail {

namespace {

constexpr auto poll_interval = std::chrono::milliseconds{20};

struct waits_state {
  std::shared_ptr<checkpoint_store> checkpoints;
  // Every pending wait (to end them when the actor stops).
  std::vector<std::weak_ptr<read_wait>> all;
  // Waits on projections another process runs.
  std::vector<std::shared_ptr<read_wait>> polled;
  bool ticking = false;
};

caf::error timed_out(const read_wait& w) {
  return make_error(errc::timeout,
                    "projection " + w.status->name()
                      + " did not reach position " + std::to_string(w.position)
                      + " within " + std::to_string(w.timeout.count())
                      + " ms");
}

void poll(waits_state& st) {
  std::map<std::string, int64_t> stored;
  for (auto& w : st.polled) {
    if (w->finished())
      continue;
    if (w->status->position() >= w->position) {
      w->finish({});
      continue;
    }
    const auto& name = w->status->name();
    auto i = stored.find(name);
    if (i == stored.end()) {
      int64_t pos = -1;
      if (auto rec = st.checkpoints->load(name); rec && *rec)
        pos = (*rec)->position;
      i = stored.emplace(name, pos).first;
    }
    if (i->second >= w->position)
      w->finish({});
  }
  st.polled.erase(std::remove_if(st.polled.begin(), st.polled.end(),
                                 [](const auto& w) { return w->finished(); }),
                  st.polled.end());
  st.all.erase(std::remove_if(st.all.begin(), st.all.end(),
                              [](const auto& w) { return w.expired(); }),
               st.all.end());
}

engine_waits_actor::behavior_type read_waits(engine_waits_actor::pointer self,
                         std::shared_ptr<waits_state> st) {
  self->attach_functor([st] {
    for (auto& weak : st->all)
      if (auto w = weak.lock())
        w->finish(make_error(errc::store_unavailable,
                             "the service is shutting down"));
  });
  return {
    [=](wait_atom, const std::shared_ptr<read_wait>& w) {
      if (st->all.size() >= 1024)
        st->all.erase(std::remove_if(st->all.begin(), st->all.end(),
                                     [](const auto& x) { return x.expired(); }),
                      st->all.end());
      st->all.push_back(w);
      self->delayed_send(self, w->timeout, expire_atom::value, w);
      if (w->status->leader()) {
        // The runner is here: it wakes the wait when it gets there.
        std::const_pointer_cast<projection_status>(w->status)
          ->notify_at(w->position, w);
        return;
      }
      st->polled.push_back(w);
      if (!st->ticking) {
        st->ticking = true;
        self->delayed_send(self, poll_interval, tick_atom::value);
      }
    },
    [=](expire_atom, const std::shared_ptr<read_wait>& w) {
      w->finish(timed_out(*w));
    },
    [=](tick_atom) {
      poll(*st);
      if (st->polled.empty())
        st->ticking = false;
      else
        self->delayed_send(self, poll_interval, tick_atom::value);
    },
  };
}

} // namespace

engine_waits_actor spawn_read_waits(caf::actor_system& sys,
                            std::shared_ptr<checkpoint_store> checkpoints) {
  auto st = std::make_shared<waits_state>();
  st->checkpoints = std::move(checkpoints);
  return sys.spawn<caf::detached>(read_waits, std::move(st));
}

} // namespace mink::detail
