#pragma once

#include "mink/adapters/store_adapter.hpp"

namespace mink {

/// The PostgreSQL adapter as `open_stores` uses it (`postgresql://` and
/// `pg:` URLs). A program that links mink::postgres has it registered
/// before `main`; call `register_store_adapter(postgres_adapter())` only to
/// register it again.
[[nodiscard]] store_adapter postgres_adapter();

} // namespace mink
