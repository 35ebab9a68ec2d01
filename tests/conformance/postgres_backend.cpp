#include "backend.hpp"

#include <atomic>
#include <stdexcept>
#include <unistd.h>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/postgres_checkpoint_store.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/adapters/postgres/postgres_snapshot_store.hpp"
#include "../support/pg_test_env.hpp"

namespace mink::conformance {

namespace {

/// Each test case gets a schema of its own, dropped afterwards.
class postgres_backend : public backend {
public:
  postgres_backend() {
    static std::atomic<int> counter{0};
    schema_ = "conformance_" + std::to_string(getpid()) + "_"
              + std::to_string(++counter);
  }

  ~postgres_backend() override {
    test_support::pg_test_drop_schema(schema_);
  }

  std::string name() const override { return "postgres"; }

  std::unique_ptr<event_store> open() override {
    return open_as<postgres_event_store>();
  }

  std::unique_ptr<snapshot_store> open_snapshots() override {
    return open_as<postgres_snapshot_store>();
  }

  std::unique_ptr<checkpoint_store> open_checkpoints() override {
    return open_as<postgres_checkpoint_store>();
  }

  std::string table_name(const std::string& table) const override {
    return schema_ + "." + table;
  }

private:
  /// Opens a store of type `T` on this test case's schema.
  template <class T>
  std::unique_ptr<T> open_as() {
    auto store = T::open(test_support::pg_test_config(schema_, 4));
    if (!store)
      throw std::runtime_error("cannot open PostgreSQL store: "
                               + to_text(store.error()));
    return std::move(*store);
  }

  std::string schema_;
};

} // namespace

std::unique_ptr<backend> make_backend() {
  return std::make_unique<postgres_backend>();
}

} // namespace mink::conformance
