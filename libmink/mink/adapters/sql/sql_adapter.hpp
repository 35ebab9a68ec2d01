#pragma once

#include <memory>

#include "mink/adapters/sql/sql_checkpoint_store.hpp"
#include "mink/adapters/store_adapter.hpp"

namespace mink {

/// A SQL adapter of `kind` (see `adapter_opening`): its checkpoint store,
/// a `sql_checkpoint_store`, also serves as the read models' database
/// (`as_sql`), and `ReadSchema` reads its schema version.
template <class Events, class Snapshots, class Checkpoints, auto ConfigOf,
          auto ReadSchema>
store_adapter sql_adapter_opening(store_kind kind) {
  auto x = adapter_opening<Events, Snapshots, Checkpoints, ConfigOf>(kind);
  x.read_schema = ReadSchema;
  x.as_sql = [](const std::shared_ptr<checkpoint_store>& c)
    -> std::shared_ptr<sql_checkpoint_store> {
    return std::static_pointer_cast<Checkpoints>(c);
  };
  return x;
}

} // namespace mink
