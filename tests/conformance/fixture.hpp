#pragma once

// Shared fixture and helpers of the store conformance suite. Every test case
// runs on fresh, empty storage from `make_backend()`.

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "backend.hpp"
#include "mink/errc.hpp"
#include "mink/event.hpp"
#include "mink/expected_version.hpp"
#include "mink/store/event_store.hpp"
#include "mink/uuid.hpp"

#include "threads.hpp"

namespace mink::conformance {

// -- describing results -------------------------------------------------------

/// Returns `ok` for a value, the readable error otherwise.
template <class T>
std::string describe(const caf::expected<T>& x) {
  return x ? std::string{"ok"} : to_text(x.error());
}

inline std::string describe(const caf::error& x) {
  return x ? to_text(x) : std::string{"ok"};
}

/// Returns the mink code of a result: `errc::none` when it holds a value.
template <class T>
errc code_of_result(const caf::expected<T>& x) {
  return x ? errc::none : code_of(x.error());
}

inline errc code_of_result(const caf::error& x) {
  return code_of(x);
}

} // namespace mink::conformance

// Each macro evaluates `expr` exactly once: most expressions append.

// The macros below evaluate `expr` once: Boost.Test builds the message of
// `BOOST_CHECK_MESSAGE` eagerly, so naming `expr` twice would run an append
// twice.

/// Requires that `expr` (a `caf::expected`) holds a value; prints its error
/// otherwise.
#define MINK_REQUIRE_OK(expr)                                                  \
  do {                                                                         \
    auto&& mink_res_ = (expr);                                                 \
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(mink_res_),                        \
                          #expr " failed: "                                    \
                            << ::mink::conformance::describe(mink_res_));      \
  } while (false)

/// Checks that `expr` (a `caf::expected`) holds a value.
#define MINK_CHECK_OK(expr)                                                    \
  do {                                                                         \
    auto&& mink_res_ = (expr);                                                 \
    BOOST_CHECK_MESSAGE(static_cast<bool>(mink_res_),                          \
                        #expr " failed: "                                      \
                          << ::mink::conformance::describe(mink_res_));        \
  } while (false)

/// Checks that `expr` (a `caf::expected` or `caf::error`) failed with `code`.
#define MINK_CHECK_ERRC(expr, code)                                            \
  do {                                                                         \
    auto&& mink_res_ = (expr);                                                 \
    BOOST_CHECK_MESSAGE(                                                       \
      ::mink::conformance::code_of_result(mink_res_) == (code),                \
      #expr ": expected " << ::mink::to_string(code) << ", got "               \
                          << ::mink::conformance::describe(mink_res_));        \
  } while (false)

/// Requires that `expr` failed with `code`.
#define MINK_REQUIRE_ERRC(expr, code)                                          \
  do {                                                                         \
    auto&& mink_res_ = (expr);                                                 \
    BOOST_REQUIRE_MESSAGE(                                                     \
      ::mink::conformance::code_of_result(mink_res_) == (code),                \
      #expr ": expected " << ::mink::to_string(code) << ", got "               \
                          << ::mink::conformance::describe(mink_res_));        \
  } while (false)

namespace mink::conformance {

// -- building events ----------------------------------------------------------

/// Returns an event of type `type` with JSON `data` and a store-made id.
inline event_data make_event(std::string type = "test_event",
                             std::string data = R"({"n":0})") {
  event_data result;
  result.type = std::move(type);
  result.data = std::move(data);
  return result;
}

/// Returns an event with the caller-chosen id `id`.
inline event_data make_event_with_id(std::string id,
                                     std::string type = "test_event") {
  auto result = make_event(std::move(type));
  result.event_id = std::move(id);
  return result;
}

/// Returns `n` events whose data is `{"n":<i>}` for i = `first`, `first + 1`...
inline std::vector<event_data> make_events(size_t n,
                                           std::string type = "test_event",
                                           int64_t first = 1) {
  std::vector<event_data> result;
  result.reserve(n);
  for (size_t i = 0; i < n; ++i)
    result.emplace_back(make_event(
      type, R"({"n":)" + std::to_string(first + static_cast<int64_t>(i)) + "}"));
  return result;
}

/// Returns the same string with ASCII letters in upper case.
inline std::string to_upper(std::string str) {
  for (auto& c : str)
    if (c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
  return str;
}

/// Returns `1, 2, ..., n`.
/// Ids that are not UUIDs in the store's form, each wrong in one way.
inline std::vector<std::string> malformed_uuids() {
  auto id = make_uuid();
  return {
    "not-a-uuid",
    "x",
    id.substr(0, 35),                       // too short
    id + "0",                               // too long
    "{" + id.substr(0, 34) + "}",           // braces
    std::string(36, 'g'),                   // not hex
    "0123456789a-bcdef-0123-4567-89abcdef", // dashes misplaced
    " " + id.substr(1),                     // leading space
    id.substr(0, 35) + "z",                 // last char not hex
    std::string("\0", 1) + id.substr(1),    // NUL byte
  };
}

inline std::vector<int64_t> iota_from_one(int64_t n) {
  std::vector<int64_t> result;
  result.reserve(static_cast<size_t>(n));
  for (int64_t i = 1; i <= n; ++i)
    result.push_back(i);
  return result;
}

/// Returns the stream versions of `events`, in order.
inline std::vector<int64_t> versions_of(const std::vector<recorded_event>& xs) {
  std::vector<int64_t> result;
  for (const auto& x : xs)
    result.push_back(x.stream_version);
  return result;
}

/// Returns the global positions of `events`, in order.
inline std::vector<int64_t> positions_of(const std::vector<recorded_event>& xs) {
  std::vector<int64_t> result;
  for (const auto& x : xs)
    result.push_back(x.global_position);
  return result;
}

// -- the fixture --------------------------------------------------------------

/// Fresh storage and one handle on it.
struct store_fixture {
  store_fixture() : storage(make_backend()) {
    BOOST_REQUIRE_MESSAGE(storage != nullptr, "make_backend() returned null");
    store = storage->open();
    BOOST_REQUIRE_MESSAGE(store != nullptr,
                          storage->name() << ": open() returned null");
  }

  /// Opens another handle (a separate connection for database adapters).
  std::unique_ptr<event_store> open_another() {
    auto result = storage->open();
    BOOST_REQUIRE_MESSAGE(result != nullptr,
                          storage->name() << ": open() returned null");
    return result;
  }

  /// Runs `work(store, t)` on threads t = 0..n-1 that start at the same
  /// moment, over two more handles of the store (thread t uses handle
  /// t % 2), and joins them. `work` must not use Boost.Test assertions.
  template <class F>
  void run_threads(size_t n, F work) {
    std::vector<std::unique_ptr<event_store>> handles;
    handles.push_back(open_another());
    handles.push_back(open_another());
    start_gate gate;
    std::vector<std::thread> threads;
    for (size_t t = 0; t < n; ++t)
      threads.emplace_back([&, t] {
        auto& st = *handles[t % handles.size()];
        gate.wait();
        work(st, t);
      });
    gate.open();
    join_all(threads);
  }

  /// Appends `events` to `stream_id` and requires success.
  append_result append_ok(const std::string& stream_id,
                          std::vector<event_data> events,
                          expected_version expected = expected_version::any()) {
    auto result = store->append(stream_id, expected, std::move(events));
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "append to " << stream_id
                                       << " failed: " << describe(result));
    return std::move(*result);
  }

  /// Appends `n` events of type `type` to `stream_id` and requires success.
  append_result append_n(const std::string& stream_id, size_t n,
                         std::string type = "test_event") {
    return append_ok(stream_id, make_events(n, std::move(type)));
  }

  /// Returns the store's last position and requires success.
  int64_t last_position() {
    auto result = store->last_position();
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "last_position failed: " << describe(result));
    return *result;
  }

  /// Returns what the store knows of `stream_id` and requires success.
  mink::stream_info info(const std::string& stream_id) {
    auto result = store->stream_info(stream_id);
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "stream_info(" << stream_id
                                         << ") failed: " << describe(result));
    return *result;
  }

  /// Reads a whole stream forward and requires success.
  std::vector<recorded_event> read_stream_all(const std::string& stream_id) {
    auto result = store->read_stream(stream_id, 1, 1'000'000);
    BOOST_REQUIRE_MESSAGE(static_cast<bool>(result),
                          "read_stream(" << stream_id
                                         << ") failed: " << describe(result));
    return std::move(*result);
  }

  /// Reads the whole store in global order, page by page.
  std::vector<recorded_event> read_everything(const read_filter& filter = {}) {
    return read_everything(*store, filter);
  }

  static std::vector<recorded_event>
  read_everything(event_store& from, const read_filter& filter = {}) {
    std::vector<recorded_event> result;
    int64_t next = 1;
    for (;;) {
      auto page = from.read_all(next, 500, filter);
      BOOST_REQUIRE_MESSAGE(static_cast<bool>(page),
                            "read_all(" << next
                                        << ") failed: " << describe(page));
      if (page->empty())
        return result;
      next = page->back().global_position + 1;
      for (auto& ev : *page)
        result.emplace_back(std::move(ev));
    }
  }

  std::unique_ptr<backend> storage;
  std::unique_ptr<event_store> store;
};

} // namespace mink::conformance
