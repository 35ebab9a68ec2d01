#include "backend.hpp"

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include "mink/errc.hpp"
#include "mink/adapters/sqlite/sqlite_checkpoint_store.hpp"
#include "mink/adapters/sqlite/sqlite_event_store.hpp"
#include "mink/adapters/sqlite/sqlite_snapshot_store.hpp"

namespace mink::conformance {

namespace {

/// Makes a fresh directory under the system's temporary directory.
std::filesystem::path make_temp_dir() {
  auto pattern
    = (std::filesystem::temp_directory_path() / "mink-sqlite-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(),
                            "mkdtemp " + pattern);
  return pattern;
}

/// One database file in its own temporary directory, removed with the
/// backend. Each `open()` is a new store with its own connection.
class sqlite_backend : public backend {
public:
  sqlite_backend() : dir_(make_temp_dir()) {
    // nop
  }

  ~sqlite_backend() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string name() const override { return "sqlite"; }

  std::unique_ptr<event_store> open() override {
    return open_as<sqlite_event_store>();
  }

  std::unique_ptr<snapshot_store> open_snapshots() override {
    return open_as<sqlite_snapshot_store>();
  }

  std::unique_ptr<checkpoint_store> open_checkpoints() override {
    return open_as<sqlite_checkpoint_store>();
  }

private:
  /// Opens a store of type `T` on the database file.
  template <class T>
  std::unique_ptr<T> open_as() {
    sqlite_config cfg;
    cfg.path = (dir_ / "events.db").string();
    auto store = T::open(cfg);
    if (!store)
      throw std::runtime_error("cannot open " + cfg.path + ": "
                               + to_text(store.error()));
    return std::move(*store);
  }

  std::filesystem::path dir_;
};

} // namespace

std::unique_ptr<backend> make_backend() {
  return std::make_unique<sqlite_backend>();
}

} // namespace mink::conformance
