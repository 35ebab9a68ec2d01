#include "mink/actors/live_subscription.hpp"

#include <atomic>
#include <utility>

#include "mink/adapters/memory/memory_checkpoint_store.hpp"
#include "mink/adapters/sql/projection_target.hpp"

namespace mink {

namespace {

/// Adapts a handler function to the projection interface.
class live_projection : public async_projection {
public:
  live_projection(std::string name, live_handler handler, read_filter filter)
    : name_(std::move(name)),
      handler_(std::move(handler)),
      filter_(std::move(filter)) {
    // nop
  }

  std::string name() const override { return name_; }

  read_filter filter() const override { return filter_; }

  caf::error handle(const std::vector<recorded_event>& events) override {
    return handler_(events);
  }

private:
  std::string name_;
  live_handler handler_;
  read_filter filter_;
};

} // namespace

live_subscription
subscribe_live(caf::actor_system& sys, std::shared_ptr<event_store> store,
               feed_actor feed, int64_t after_position, live_handler handler,
               read_filter filter, runner_config cfg) {
  static std::atomic<uint64_t> next_id{1};
  auto name = "live-" + std::to_string(next_id.fetch_add(1));
  // A private checkpoint store: the subscription's position, in memory.
  auto checkpoints = std::make_shared<memory_checkpoint_store>();
  auto start = after_position > 0 ? after_position : 0;
  if (auto rec = checkpoints->ensure(name); rec)
    (void) checkpoints->save(name, 0, start);
  auto status = std::make_shared<projection_status>(name);
  auto p = std::make_shared<live_projection>(name, std::move(handler),
                                             std::move(filter));
  // Reports go to the private store; read it rarely.
  cfg.control_interval = std::chrono::milliseconds{1000};
  auto actor = spawn_projection_runner(sys, make_target(std::move(p),
                                                        checkpoints),
                                       std::move(store), checkpoints,
                                       std::move(feed), status, std::move(cfg));
  return live_subscription{std::move(actor), std::move(status)};
}

} // namespace mink
