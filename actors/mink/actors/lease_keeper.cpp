#include "mink/actors/lease_keeper.hpp"

#include <algorithm>
#include <set>

#include <caf/all.hpp>

#include "mink/errc.hpp"

namespace mink {

namespace {

struct keeper_state {
  std::shared_ptr<cluster::lease_store> leases;
  cluster_config cfg;
  std::shared_ptr<cluster::ownership> own;
  logger_ptr log;
  /// Handed over at the last heartbeat: released at this one.
  std::set<int32_t> leaving;
  std::chrono::steady_clock::time_point last_renewed;
  bool failing = false;
  static inline const char* name = "mink.lease_keeper";
};

using keeper_self = lease_keeper_actor::stateful_pointer<keeper_state>;

/// `view` with `changed` leases put in.
void patch(cluster::cluster_view& view,
           const std::vector<cluster::slice_lease>& changed) {
  for (auto& x : changed)
    if (x.slice >= 0 && static_cast<size_t>(x.slice) < view.slices.size())
      view.slices[static_cast<size_t>(x.slice)] = x;
}

void failed(keeper_state& st, const std::string& what, const caf::error& err) {
  if (!st.failing)
    st.log->warn("mink cluster: node {} cannot {}: {}", st.cfg.node_id, what,
                 to_text(err));
  st.failing = true;
  if (std::chrono::steady_clock::now() - st.last_renewed >= st.cfg.lease_ttl)
    st.own->drop_all();
}

/// One heartbeat: renew, release what was handed over, hand over, claim.
/// The table is taken as soon as the lease is renewed; releases and claims
/// are added as they succeed, so a failing claim does not hide a renewal.
void beat(keeper_state& st) {
  auto& id = st.cfg.node_id;
  auto sent = std::chrono::steady_clock::now();
  auto view = st.leases->heartbeat({id, st.cfg.address, st.cfg.lease_ttl},
                                   st.cfg.slice_count);
  if (!view)
    return failed(st, "renew its lease", view.error());
  st.last_renewed = sent;
  auto valid_until = sent + st.cfg.lease_ttl;
  auto plan = cluster::plan_leases(*view, id);
  // Every slice to give up stops taking commands now; those handed over
  // a heartbeat ago are released now, the others at the next one.
  std::vector<int32_t> leaving;
  std::vector<int32_t> release;
  std::set<int32_t> hand_over;
  for (auto& x : plan.release) {
    leaving.push_back(x.slice);
    if (st.leaving.count(x.slice) != 0)
      release.push_back(x.slice);
    else
      hand_over.insert(x.slice);
  }
  st.own->update(*view, valid_until);
  st.own->hand_over(leaving);
  st.leaving = std::move(hand_over);
  if (!release.empty()) {
    auto gone = st.leases->release(id, release);
    if (!gone) {
      // Released at the next heartbeat, not handed over again.
      st.leaving.insert(release.begin(), release.end());
      return failed(st, "release slices", gone.error());
    }
    patch(*view, *gone);
    st.own->update(*view, valid_until);
  }
  if (!plan.claim.empty()) {
    auto won = st.leases->claim(id, plan.claim);
    if (!won)
      return failed(st, "claim slices", won.error());
    patch(*view, *won);
    st.own->update(*view, valid_until);
  }
  if (st.failing)
    st.log->info("mink cluster: node {} renews its lease again", id);
  st.failing = false;
}

lease_keeper_actor::behavior_type
keeper_impl(keeper_self self, std::shared_ptr<cluster::lease_store> leases,
            cluster_config cfg, std::shared_ptr<cluster::ownership> own,
            logger_ptr log) {
  auto& st = self->state;
  st.leases = std::move(leases);
  st.cfg = std::move(cfg);
  st.own = std::move(own);
  st.log = or_default(std::move(log));
  st.last_renewed = std::chrono::steady_clock::now() - st.cfg.lease_ttl;
  if (st.cfg.leave_on_stop)
    self->attach_functor([leases = st.leases, own = st.own,
                          id = st.cfg.node_id, log = st.log] {
      // Others claim the slices at their next heartbeat instead of
      // waiting for the lease to end.
      own->drop_all();
      if (auto err = leases->leave(id))
        log->warn("mink cluster: node {} cannot leave: {}", id, to_text(err));
    });
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      beat(self->state);
      self->delayed_send(self, self->state.cfg.heartbeat, tick_atom::value);
    },
  };
}

} // namespace

lease_keeper_actor spawn_lease_keeper(caf::actor_system& sys,
                                      std::shared_ptr<cluster::lease_store> leases,
                                      cluster_config cfg,
                                      std::shared_ptr<cluster::ownership> own,
                                      logger_ptr log) {
  return sys.spawn<caf::detached>(keeper_impl, std::move(leases),
                                  std::move(cfg), std::move(own),
                                  std::move(log));
}

} // namespace mink
