#include "backend.hpp"

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <unistd.h>

#include <libpq-fe.h>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/postgres_checkpoint_store.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/adapters/postgres/postgres_snapshot_store.hpp"

namespace mink::conformance {

namespace {

/// The server under test; the test script sets MINK_TEST_PG.
std::string conninfo() {
  auto env = std::getenv("MINK_TEST_PG");
  if (env == nullptr || *env == '\0')
    throw std::runtime_error("MINK_TEST_PG is not set: run scripts/test.sh, "
                             "which starts a throwaway PostgreSQL");
  return env;
}

/// Each test case gets a schema of its own, dropped afterwards.
class postgres_backend : public backend {
public:
  postgres_backend() {
    static std::atomic<int> counter{0};
    schema_ = "conformance_" + std::to_string(getpid()) + "_"
              + std::to_string(++counter);
  }

  ~postgres_backend() override {
    // No throwing here: without MINK_TEST_PG there is nothing to drop.
    auto env = std::getenv("MINK_TEST_PG");
    if (env == nullptr)
      return;
    auto conn = PQconnectdb(env);
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    auto res = PQexec(conn, ("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE")
                              .c_str());
    PQclear(res);
    PQfinish(conn);
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
    postgres_config cfg;
    cfg.conninfo = conninfo();
    cfg.schema = schema_;
    cfg.pool_size = 4;
    auto store = T::open(cfg);
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
