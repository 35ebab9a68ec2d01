#include "mink/actors/store_reader.hpp"

#include <algorithm>
#include <iterator>

#include <caf/all.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

/// A load waiting for its batch.
struct pending_load {
  load_request request;
  caf::typed_response_promise<load_result> promise;
};

struct reader_state {
  std::vector<pending_load> pending;
  /// Whether a flush message is on its way to this reader.
  bool flush_sent = false;
  logger_ptr log;
};

using reader_self = store_reader_actor::stateful_pointer<reader_state>;

/// Serves the first `max_load_batch` pending loads.
void serve_batch(reader_self self, event_store& store,
                 snapshot_store* snapshots, store_reader_stats* stats) {
  auto& pending = self->state.pending;
  auto n = std::min(pending.size(), max_load_batch);
  std::vector<pending_load> batch{std::make_move_iterator(pending.begin()),
                                  std::make_move_iterator(pending.begin() + n)};
  pending.erase(pending.begin(), pending.begin() + n);
  std::vector<load_request> requests;
  requests.reserve(n);
  for (auto& x : batch)
    requests.push_back(x.request);
  auto results = load_batch(store, snapshots, requests, *self->state.log,
                            stats);
  for (size_t i = 0; i < n; ++i) {
    if (results[i])
      batch[i].promise.deliver(std::move(*results[i]));
    else
      batch[i].promise.deliver(std::move(results[i].error()));
  }
}

/// Has a flush message sent unless one is on its way: everything in the
/// mailbox before it joins the batch it starts.
void schedule_flush(reader_self self) {
  if (self->state.flush_sent)
    return;
  self->state.flush_sent = true;
  self->send(self, flush_atom::value);
}

store_reader_actor::behavior_type reader_impl(reader_self self,
                          std::shared_ptr<event_store> store,
                          std::shared_ptr<snapshot_store> snapshots,
                          std::shared_ptr<store_reader_stats> stats,
                          logger_ptr log) {
  self->state.log = std::move(log);
  return {
    [=](load_atom, std::string& stream_id, int64_t from_version,
        bool use_snapshot) {
      auto rp = self->make_response_promise<load_result>();
      self->state.pending.push_back(pending_load{
        load_request{std::move(stream_id), from_version, use_snapshot}, rp});
      schedule_flush(self);
      return rp;
    },
    [=](flush_atom) {
      self->state.flush_sent = false;
      serve_batch(self, *store, snapshots.get(), stats.get());
      // Loads that came in meanwhile are in the mailbox before this flush.
      if (!self->state.pending.empty())
        schedule_flush(self);
    },
    [=](find_atom, const std::string& command_id)
      -> caf::result<std::optional<command_record>> {
      auto rec = store->find_command(command_id);
      if (!rec)
        return std::move(rec.error());
      return std::move(*rec);
    },
  };
}

} // namespace

store_reader_actor spawn_store_reader(caf::actor_system& sys,
                              std::shared_ptr<event_store> store,
                              std::shared_ptr<snapshot_store> snapshots,
                              size_t workers,
                              std::shared_ptr<store_reader_stats> stats,
                              logger_ptr log) {
  log = or_default(std::move(log));
  auto spawn_one = [&] {
    return sys.spawn<caf::detached>(reader_impl, store, snapshots, stats, log);
  };
  if (workers <= 1)
    return spawn_one();
  // CAF 0.17's pools are untyped; its workers are all reader actors, so
  // the pool speaks their protocol.
  return caf::actor_cast<store_reader_actor>(
    caf::actor_pool::make(sys.dummy_execution_unit(), workers,
                          [&] { return caf::actor_cast<caf::actor>(spawn_one()); },
                          caf::actor_pool::round_robin()));
}

} // namespace mink
