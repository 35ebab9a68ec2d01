#include "mink/store/store_adapter.hpp"

#include <array>
#include <mutex>

#include "mink/adapters/memory/memory_checkpoint_store.hpp"
#include "mink/adapters/memory/memory_event_store.hpp"
#include "mink/adapters/memory/memory_snapshot_store.hpp"
#include "mink/errc.hpp"

namespace mink {

namespace {

template <class Port, class Memory>
caf::expected<std::unique_ptr<Port>> open_memory(const store_location&,
                                                 const open_options&) {
  return std::unique_ptr<Port>{new Memory};
}

store_adapter memory_adapter() {
  store_adapter x;
  x.kind = store_kind::memory;
  x.open_events = open_memory<event_store, memory_event_store>;
  x.open_snapshots = open_memory<snapshot_store, memory_snapshot_store>;
  x.open_checkpoints = open_memory<checkpoint_store, memory_checkpoint_store>;
  return x;
}

constexpr size_t kinds = 3;

const char* component_of(store_kind kind) {
  switch (kind) {
    case store_kind::memory:
      return "mink::core";
    case store_kind::sqlite:
      return "mink::sqlite";
    case store_kind::postgres:
      break;
  }
  return "mink::postgres";
}

/// The adapters by kind; filled while the program starts, read after.
struct registry {
  std::mutex mtx;
  std::array<store_adapter, kinds> adapters;
  std::array<bool, kinds> known{};

  registry() {
    adapters[0] = memory_adapter();
    known[0] = true;
  }

  static registry& get() {
    static registry instance;
    return instance;
  }
};

} // namespace

void register_store_adapter(const store_adapter& x) {
  auto& r = registry::get();
  std::lock_guard<std::mutex> guard{r.mtx};
  auto i = static_cast<size_t>(x.kind);
  r.adapters[i] = x;
  r.known[i] = true;
}

caf::expected<store_adapter> find_store_adapter(store_kind kind) {
  auto& r = registry::get();
  std::lock_guard<std::mutex> guard{r.mtx};
  auto i = static_cast<size_t>(kind);
  if (!r.known[i])
    return make_error(errc::invalid_argument,
                      std::string{"this program cannot open that store: "
                                  "it was not linked with "}
                        + component_of(kind));
  return r.adapters[i];
}

caf::expected<schema_version> read_schema_version(const store_location& where,
                                                  const open_options& opts) {
  auto adapter = find_store_adapter(where.kind);
  if (!adapter)
    return std::move(adapter.error());
  if (adapter->read_schema == nullptr)
    return schema_version{};
  return adapter->read_schema(where, opts);
}

} // namespace mink
