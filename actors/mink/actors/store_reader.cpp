#include "mink/actors/store_reader.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

/// Events per read; long streams are read page by page.
constexpr size_t page_size = 1000;

caf::behavior reader_impl(caf::event_based_actor*,
                          std::shared_ptr<event_store> store,
                          std::shared_ptr<snapshot_store> snapshots) {
  return {
    [=](load_atom, const std::string& stream_id, int64_t from_version,
        bool use_snapshot) -> caf::result<load_result> {
      load_result result;
      if (use_snapshot && snapshots) {
        auto snap = snapshots->load(stream_id);
        // A snapshot is an optimisation: when it cannot be read, replay.
        if (!snap)
          spdlog::warn("snapshot of {} not read, replaying: {}", stream_id,
                       to_text(snap.error()));
        else if (*snap && (*snap)->version >= from_version) {
          from_version = (*snap)->version + 1;
          result.snap = std::move(**snap);
        }
      }
      for (auto from = from_version;;) {
        auto page = store->read_stream(stream_id, from, page_size);
        if (!page) {
          if (code_of(page.error()) == errc::stream_not_found)
            return result;
          return std::move(page.error());
        }
        auto n = page->size();
        for (auto& ev : *page)
          result.events.push_back(std::move(ev));
        if (n < page_size)
          return result;
        from = result.events.back().stream_version + 1;
      }
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

caf::actor spawn_store_reader(caf::actor_system& sys,
                              std::shared_ptr<event_store> store,
                              std::shared_ptr<snapshot_store> snapshots,
                              size_t workers) {
  auto spawn_one = [&] {
    return sys.spawn<caf::detached>(reader_impl, store, snapshots);
  };
  if (workers <= 1)
    return spawn_one();
  return caf::actor_pool::make(sys.dummy_execution_unit(), workers, spawn_one,
                               caf::actor_pool::round_robin());
}

} // namespace mink
