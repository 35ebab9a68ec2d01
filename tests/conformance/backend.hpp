#pragma once

#include <memory>
#include <string>

#include "mink/projection/checkpoint_store.hpp"
#include "mink/store/event_store.hpp"
#include "mink/store/snapshot_store.hpp"

namespace mink::conformance {

/// Fresh, empty storage for one test case. The suite is written once against
/// this interface; each adapter hooks in by defining `make_backend`.
class backend {
public:
  virtual ~backend() = default;

  /// Names the adapter in test output, e.g. `postgres`.
  virtual std::string name() const = 0;

  /// Opens a new handle on this storage: for database adapters a separate
  /// connection (pool), so two handles write as two clients would.
  virtual std::unique_ptr<event_store> open() = 0;

  /// Opens a new snapshot store handle on this same storage (the same
  /// SQLite file, PostgreSQL schema or memory instance), again with a
  /// connection (pool) of its own.
  virtual std::unique_ptr<snapshot_store> open_snapshots() = 0;

  /// Opens a new checkpoint store handle on this same storage, again with
  /// a connection (pool) of its own.
  virtual std::unique_ptr<checkpoint_store> open_checkpoints() = 0;

  /// Returns how SQL run through a checkpoint store's session names a
  /// read-model table of this test case: on PostgreSQL qualified with the
  /// test case's schema (dropped with it), elsewhere `table` itself.
  virtual std::string table_name(const std::string& table) const {
    return table;
  }
};

/// Makes fresh, empty storage. Defined once per adapter, in the small file
/// that is linked with the suite into that adapter's test program.
std::unique_ptr<backend> make_backend();

} // namespace mink::conformance
