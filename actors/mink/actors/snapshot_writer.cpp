#include "mink/actors/snapshot_writer.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

caf::behavior writer_impl(caf::event_based_actor*,
                          std::shared_ptr<snapshot_store> store,
                          std::shared_ptr<snapshot_stats> stats) {
  return {
    [=](snapshot_atom, snapshot& snap) {
      auto stream = snap.stream_id;
      auto version = snap.version;
      if (auto err = store->save(std::move(snap))) {
        stats->failed.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("snapshot of {} at version {} not saved: {}", stream,
                     version, to_text(err));
        return;
      }
      stats->written.fetch_add(1, std::memory_order_relaxed);
    },
  };
}

} // namespace

caf::actor spawn_snapshot_writer(caf::actor_system& sys,
                                 std::shared_ptr<snapshot_store> store,
                                 std::shared_ptr<snapshot_stats> stats) {
  return sys.spawn<caf::detached>(writer_impl, std::move(store),
                                  std::move(stats));
}

} // namespace mink
