#pragma once

// Fixture and helpers of the snapshot store cases of the conformance suite.
// Every test case runs on fresh, empty storage from `make_backend()`.

#include "fixture.hpp"

#include <optional>

#include "mink/store/snapshot_store.hpp"

// `MINK_CHECK_OK` tests `static_cast<bool>(expr)`, which is true for a
// `caf::error` that holds an error: these macros are for calls that return
// a `caf::error` (empty on success). Each evaluates `expr` once.

/// Checks that `expr` (a `caf::error`) is the empty error.
#define MINK_CHECK_NO_ERROR(expr)                                              \
  do {                                                                         \
    auto&& mink_err_ = (expr);                                                 \
    BOOST_CHECK_MESSAGE(!mink_err_, #expr " failed: "                          \
                                      << ::mink::conformance::describe(        \
                                           mink_err_));                        \
  } while (false)

/// Requires that `expr` (a `caf::error`) is the empty error.
#define MINK_REQUIRE_NO_ERROR(expr)                                            \
  do {                                                                         \
    auto&& mink_err_ = (expr);                                                 \
    BOOST_REQUIRE_MESSAGE(!mink_err_, #expr " failed: "                        \
                                        << ::mink::conformance::describe(      \
                                             mink_err_));                      \
  } while (false)

namespace mink::conformance {

/// Returns a snapshot of `stream_id` at `version` whose data names the
/// version, e.g. `{"balance":7}`.
inline snapshot make_snapshot(std::string stream_id, int64_t version,
                              std::string data = {},
                              std::string state_type = "account",
                              int32_t schema_version = 1) {
  snapshot result;
  result.stream_id = std::move(stream_id);
  result.version = version;
  result.state_type = std::move(state_type);
  result.schema_version = schema_version;
  result.data = data.empty()
                  ? R"({"balance":)" + std::to_string(version) + "}"
                  : std::move(data);
  return result;
}

/// Returns the stream ids of `xs`, in order.
inline std::vector<std::string>
ids_of(const std::vector<snapshot_info>& xs) {
  std::vector<std::string> result;
  for (const auto& x : xs)
    result.push_back(x.stream_id);
  return result;
}

/// Fresh storage and one snapshot store handle on it.
struct snapshot_fixture {
  snapshot_fixture() : storage(make_backend()) {
    BOOST_REQUIRE_MESSAGE(storage != nullptr, "make_backend() returned null");
    snaps = open_another();
  }

  /// Opens another handle (a separate connection for database adapters).
  std::unique_ptr<snapshot_store> open_another() {
    auto result = storage->open_snapshots();
    BOOST_REQUIRE_MESSAGE(result != nullptr,
                          storage->name() << ": open_snapshots() returned null");
    return result;
  }

  /// Saves `s` and requires success.
  void save_ok(snapshot s) {
    auto id = s.stream_id;
    auto err = snaps->save(std::move(s));
    BOOST_REQUIRE_MESSAGE(!err, "save of " << id << " failed: "
                                           << describe(err));
  }

  /// Loads the snapshot of `stream_id` and requires success.
  std::optional<snapshot> load_ok(const std::string& stream_id) {
    return load_ok(*snaps, stream_id);
  }

  static std::optional<snapshot> load_ok(snapshot_store& from,
                                         const std::string& stream_id) {
    auto result = from.load(stream_id);
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "load(" << stream_id
                                  << ") failed: " << describe(result));
    return std::move(*result);
  }

  /// Loads a snapshot that must exist.
  snapshot load_existing(const std::string& stream_id) {
    auto result = load_ok(stream_id);
    BOOST_REQUIRE_MESSAGE(result.has_value(),
                          "no snapshot of " << stream_id);
    return std::move(*result);
  }

  /// Lists one page and requires success.
  std::vector<snapshot_info> list_ok(const std::string& after, size_t limit,
                                     const std::string& category = {}) {
    auto result = snaps->list(after, limit, category);
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "list(" << after << ", " << limit << ", "
                                  << category
                                  << ") failed: " << describe(result));
    return std::move(*result);
  }

  /// Lists every snapshot (of `category`), `page_size` at a time.
  std::vector<snapshot_info> list_all(const std::string& category = {},
                                      size_t page_size = 1000) {
    std::vector<snapshot_info> result;
    std::string after;
    for (;;) {
      auto page = list_ok(after, page_size, category);
      BOOST_REQUIRE(page.size() <= page_size);
      if (page.empty())
        return result;
      after = page.back().stream_id;
      for (auto& x : page)
        result.emplace_back(std::move(x));
    }
  }

  /// Purges and requires success.
  size_t purge_ok(const std::string& category = {}) {
    auto result = snaps->purge(category);
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "purge(" << category
                                   << ") failed: " << describe(result));
    return *result;
  }

  std::unique_ptr<backend> storage;
  std::unique_ptr<snapshot_store> snaps;
};

} // namespace mink::conformance
