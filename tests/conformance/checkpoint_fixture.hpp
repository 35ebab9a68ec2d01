#pragma once

// Fixture and helpers of the checkpoint store cases of the conformance
// suite. Every test case runs on fresh, empty storage from `make_backend()`.

// For MINK_CHECK_NO_ERROR and MINK_REQUIRE_NO_ERROR.
#include "snapshot_fixture.hpp"

#include <optional>

#include "mink/projection/checkpoint_store.hpp"

namespace mink::conformance {

/// Returns a recorded event at global position `position` for parking.
inline recorded_event make_recorded(int64_t position,
                                    std::string stream_id = "order-1",
                                    std::string type = "order_placed") {
  recorded_event result;
  result.event_id = make_uuid();
  result.stream_id = std::move(stream_id);
  result.stream_version = 1;
  result.global_position = position;
  result.type = std::move(type);
  result.data = R"({"n":1})";
  result.timestamp_us = 1;
  return result;
}

/// Returns the names of `xs`, in order.
inline std::vector<std::string>
names_of(const std::vector<projection_record>& xs) {
  std::vector<std::string> result;
  for (const auto& x : xs)
    result.push_back(x.name);
  return result;
}

/// Returns `projection/position` of each letter, in order.
inline std::vector<std::string> keys_of(const std::vector<dead_letter>& xs) {
  std::vector<std::string> result;
  for (const auto& x : xs)
    result.push_back(x.projection + "/" + std::to_string(x.position));
  return result;
}

/// Fresh storage and one checkpoint store handle on it.
struct checkpoint_fixture {
  checkpoint_fixture() : storage(make_backend()) {
    BOOST_REQUIRE_MESSAGE(storage != nullptr, "make_backend() returned null");
    cps = open_another();
  }

  /// Opens another handle (a separate connection for database adapters).
  std::unique_ptr<checkpoint_store> open_another() {
    auto result = storage->open_checkpoints();
    BOOST_REQUIRE_MESSAGE(result != nullptr,
                          storage->name()
                            << ": open_checkpoints() returned null");
    return result;
  }

  /// Ensures the record of `name` and requires success.
  projection_record ensure_ok(const std::string& name) {
    auto result = cps->ensure(name);
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "ensure(" << name << ") failed: "
                                    << describe(result));
    return std::move(*result);
  }

  /// Loads a record that must exist, through `from`.
  static projection_record load_existing(checkpoint_store& from,
                                         const std::string& name) {
    auto result = from.load(name);
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "load(" << name << ") failed: " << describe(result));
    BOOST_REQUIRE_MESSAGE(result->has_value(), "no record of " << name);
    return std::move(**result);
  }

  projection_record load_existing(const std::string& name) {
    return load_existing(*cps, name);
  }

  /// Returns the checkpoint of `name`.
  int64_t position_of(const std::string& name) {
    return load_existing(name).position;
  }

  /// Lists dead letters and requires success.
  std::vector<dead_letter> letters_ok(const std::string& name,
                                      size_t limit = 1000) {
    auto result = cps->dead_letters(name, limit);
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "dead_letters(" << name << ") failed: "
                                          << describe(result));
    return std::move(*result);
  }

  /// Lists records and requires success.
  std::vector<projection_record> list_ok() {
    auto result = cps->list();
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "list() failed: " << describe(result));
    return std::move(*result);
  }

  /// Takes the lease of `name` through `from` (null when another holds it).
  static std::unique_ptr<runner_lease> lead(checkpoint_store& from,
                                            const std::string& name) {
    auto result = from.try_lead(name);
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "try_lead(" << name << ") failed: "
                                      << describe(result));
    return std::move(*result);
  }

  std::unique_ptr<backend> storage;
  std::unique_ptr<checkpoint_store> cps;
};

} // namespace mink::conformance
