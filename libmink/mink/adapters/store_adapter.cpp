#include "mink/adapters/store_adapter.hpp"

#include <array>
#include <cstdio>
#include <mutex>
#include <optional>

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

constexpr size_t builtin_kinds = 3;

const char* component_of(store_kind kind) {
  switch (kind) {
    case store_kind::memory:
      return "mink::core";
    case store_kind::sqlite:
      return "mink::sqlite";
    case store_kind::postgres:
      return "mink::postgres";
    case store_kind::other:
      break;
  }
  return "its adapter";
}

/// Schemes that mink's own URLs use.
bool reserved(const std::string& scheme) {
  for (const char* x : {"memory", "sqlite", "postgresql", "postgres", "pg"})
    if (scheme == x)
      return true;
  return false;
}

bool well_formed(const std::string& scheme) {
  if (scheme.empty() || !(scheme[0] >= 'a' && scheme[0] <= 'z'))
    return false;
  for (char c : scheme)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
          || c == '-' || c == '.'))
      return false;
  return true;
}

/// The adapters: mink's own by kind, others by scheme. Filled while the
/// program starts, read after.
struct registry {
  std::mutex mtx;
  std::array<std::optional<store_adapter>, builtin_kinds> builtin;
  std::vector<store_adapter> others;

  registry() { builtin[0] = memory_adapter(); }

  static registry& get() {
    static registry instance;
    return instance;
  }
};

caf::error not_linked(store_kind kind) {
  return make_error(errc::invalid_argument,
                    std::string{"this program cannot open that store: "
                                "it was not linked with "}
                      + component_of(kind));
}

} // namespace

caf::error register_store_adapter(const store_adapter& x) {
  auto& r = registry::get();
  std::lock_guard<std::mutex> guard{r.mtx};
  if (x.kind != store_kind::other) {
    auto i = static_cast<size_t>(x.kind);
    r.builtin[i] = x;
    return {};
  }
  if (!well_formed(x.scheme) || reserved(x.scheme))
    return make_error(errc::invalid_argument,
                      "store adapter scheme '" + x.scheme
                        + "' must be lowercase letters, digits and +-. "
                          "starting with a letter, and not one of mink's "
                          "own (memory, sqlite, postgresql, postgres, pg)");
  if (x.parse == nullptr || x.open_events == nullptr
      || x.open_snapshots == nullptr || x.open_checkpoints == nullptr)
    return make_error(errc::invalid_argument,
                      "store adapter '" + x.scheme
                        + "' needs parse, open_events, open_snapshots and "
                          "open_checkpoints");
  for (auto& other : r.others)
    if (other.scheme == x.scheme) {
      other = x;
      return {};
    }
  r.others.push_back(x);
  return {};
}

caf::expected<store_adapter> find_store_adapter(const store_location& where) {
  if (where.kind == store_kind::other)
    return find_store_adapter(where.scheme);
  auto& r = registry::get();
  std::lock_guard<std::mutex> guard{r.mtx};
  auto i = static_cast<size_t>(where.kind);
  if (!r.builtin[i])
    return not_linked(where.kind);
  return *r.builtin[i];
}

caf::expected<store_adapter> find_store_adapter(const std::string& scheme) {
  auto& r = registry::get();
  std::lock_guard<std::mutex> guard{r.mtx};
  for (const auto& x : r.others)
    if (x.scheme == scheme)
      return x;
  return make_error(errc::invalid_argument,
                    "no store adapter registered for the scheme '" + scheme
                      + "'");
}

std::vector<std::string> registered_schemes() {
  auto& r = registry::get();
  std::lock_guard<std::mutex> guard{r.mtx};
  std::vector<std::string> xs;
  for (const auto& x : r.others)
    xs.push_back(x.scheme);
  return xs;
}

namespace detail {

bool register_at_start(const char* name, const store_adapter& x) {
  if (auto err = register_store_adapter(x)) {
    std::fprintf(stderr, "mink: store adapter %s not registered: %s\n", name,
                 to_text(err).c_str());
    return false;
  }
  return true;
}

} // namespace detail

caf::expected<schema_version> read_schema_version(const store_location& where,
                                                  const open_options& opts) {
  auto adapter = find_store_adapter(where);
  if (!adapter)
    return std::move(adapter.error());
  if (adapter->read_schema == nullptr)
    return schema_version{};
  return adapter->read_schema(where, opts);
}

} // namespace mink
