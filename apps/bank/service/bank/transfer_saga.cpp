#include "bank/transfer_saga.hpp"

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "mink/aggregate_events.hpp"

namespace bank {

recovery recover_from(std::shared_ptr<mink::event_store> store,
                      std::shared_ptr<const mink::event_registry> registry) {
  return [store, registry](const std::string& tid)
           -> caf::expected<mink::recovered<transfer_progress>> {
    transfer agg;
    // The code before took the step of every event but maybe the last
    // (each step wrote the next event).
    int64_t taken = 0;
    int64_t last = 0;
    for (;;) {
      auto evs = store->read_stream(std::string{transfer_decider::category}
                                      + "-" + tid,
                                    agg.version() + 1, 1000);
      if (!evs)
        return std::move(evs.error());
      auto n = evs->size();
      for (const auto& ev : *evs) {
        taken = last;
        last = ev.global_position;
      }
      if (auto err = mink::replay(agg, *registry, std::move(*evs)))
        return err;
      if (n < 1000)
        break;
    }
    const auto& t = agg.state().terms;
    return mink::recovered<transfer_progress>{{t.from, t.to, t.amount}, taken};
  };
}

step_hook exit_after(std::string step) {
  return [step](const std::string& done, const std::string& tid) {
    if (done != step)
      return;
    spdlog::warn("fault injection: exiting after {} of transfer {}", step, tid);
    std::_Exit(86);
  };
}

} // namespace bank
