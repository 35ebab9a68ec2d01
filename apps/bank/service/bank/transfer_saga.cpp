#include "bank/transfer_saga.hpp"

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "mink/aggregate_events.hpp"

namespace bank {

std::function<caf::expected<transfer_progress>(const std::string&)>
recover_from(std::shared_ptr<mink::event_store> store,
             std::shared_ptr<const mink::event_registry> registry) {
  return [store, registry](const std::string& tid)
           -> caf::expected<transfer_progress> {
    transfer agg;
    for (;;) {
      auto evs = store->read_stream(std::string{transfer_decider::category}
                                      + "-" + tid,
                                    agg.version() + 1, 1000);
      if (!evs)
        return std::move(evs.error());
      auto n = evs->size();
      if (auto err = mink::replay(agg, *registry, std::move(*evs)))
        return err;
      if (n < 1000)
        break;
    }
    const auto& st = agg.state();
    // Events below the stream's version are steps the code before took.
    return transfer_progress{st.from, st.to, st.amount, agg.version()};
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
