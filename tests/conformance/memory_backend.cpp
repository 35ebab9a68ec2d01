#include "backend.hpp"

#include "mink/adapters/memory/memory_checkpoint_store.hpp"
#include "mink/adapters/memory/memory_event_store.hpp"
#include "mink/adapters/memory/memory_snapshot_store.hpp"

namespace mink::conformance {

namespace {

class memory_backend : public backend {
public:
  std::string name() const override { return "memory"; }

  std::unique_ptr<event_store> open() override { return store_.share(); }

  std::unique_ptr<snapshot_store> open_snapshots() override {
    return snapshots_.share();
  }

  std::unique_ptr<checkpoint_store> open_checkpoints() override {
    return checkpoints_.share();
  }

private:
  memory_event_store store_;
  memory_snapshot_store snapshots_;
  memory_checkpoint_store checkpoints_;
};

} // namespace

std::unique_ptr<backend> make_backend() {
  return std::make_unique<memory_backend>();
}

} // namespace mink::conformance
