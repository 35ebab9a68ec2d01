#pragma once

#include "mink/adapters/store_adapter.hpp"

namespace mink {

/// The SQLite adapter as `open_stores` uses it (`sqlite:PATH` URLs). A
/// program that links mink::sqlite has it registered before `main`; call
/// `register_store_adapter(sqlite_adapter())` only to register it again.
[[nodiscard]] store_adapter sqlite_adapter();

} // namespace mink
