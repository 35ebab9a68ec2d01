#pragma once

#include <any>
#include <functional>
#include <typeinfo>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/error.hpp>

#include "mink/event.hpp"
#include "mink/serialization/describe.hpp"
#include "mink/serialization/event_registry.hpp"

namespace mink {

/// An event as a handler receives it: the decoded event and where it is
/// stored.
template <class E>
struct typed_event {
  /// The event, decoded (after upcasting) into its declared type.
  const E& data;
  /// The stored envelope (its `data` as stored, before upcasting).
  const recorded_event& record;

  /// The global position: dense, in commit order.
  int64_t position() const noexcept { return record.global_position; }
  /// The stream id, `Category-id`.
  const std::string& stream_id() const noexcept { return record.stream_id; }
  /// The id part of the stream id (after the first `-`).
  std::string_view id() const noexcept {
    std::string_view s = record.stream_id;
    auto dash = s.find('-');
    return dash == std::string_view::npos ? s : s.substr(dash + 1);
  }
  /// The version in its stream (1-based).
  int64_t version() const noexcept { return record.stream_version; }
  /// When the event was committed, in microseconds since the epoch.
  int64_t timestamp_us() const noexcept { return record.timestamp_us; }
  /// Correlation, causation, user and tenant ids.
  const metadata& meta() const noexcept { return record.meta; }
};

namespace detail {

/// Decodes `rec` through `reg` and checks that it is a `T`; the error
/// names the event when it is not.
caf::error decode_for_handler(const event_registry& reg,
                              const recorded_event& rec, std::any& out,
                              const std::type_info& type);

} // namespace detail

/// Handlers per event type, for projections, read models and live
/// subscribers: `on<money_deposited>(f)` calls `f(args..., ev)` with a
/// `typed_event<money_deposited>` for each such event. An event without a
/// handler is skipped without being decoded. A handler returns nothing or
/// a `caf::error`.
template <class... Args>
class event_handlers {
public:
  /// Decodes through `registry` (so upcasters apply).
  explicit event_handlers(std::shared_ptr<const event_registry> registry)
    : registry_(std::move(registry)) {
    // nop
  }

  /// Handles events of declared type `E` (`MINK_EVENT`) with
  /// `f(Args..., const typed_event<E>&)`. A second handler for `E`
  /// replaces the first.
  template <class E, class F>
  void on(F f) {
    handlers_[type_name_of<E>()]
      = [reg = registry_.get(), f = std::move(f)](
          Args... args, const recorded_event& rec) -> caf::error {
      std::any value;
      if (auto err = detail::decode_for_handler(*reg, rec, value, typeid(E)))
        return err;
      typed_event<E> ev{*std::any_cast<E>(&value), rec};
      if constexpr (std::is_void_v<decltype(f(args..., ev))>) {
        f(args..., ev);
        return {};
      } else {
        return caf::error{f(args..., ev)};
      }
    };
  }

  /// Whether events of stored type `type` have a handler.
  bool handles(const std::string& type) const {
    return handlers_.count(type) != 0;
  }

  /// The stored type names that have a handler (for a `read_filter`).
  std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& kv : handlers_)
      out.push_back(kv.first);
    return out;
  }

  /// Runs the handler of `rec`'s type, if any; its error, or the decoding
  /// error (`decode_failed`, `unknown_event_type`).
  caf::error dispatch(Args... args, const recorded_event& rec) const {
    auto i = handlers_.find(rec.type);
    if (i == handlers_.end())
      return {};
    return i->second(args..., rec);
  }

  /// Runs `dispatch` for each event in order; stops at the first error.
  caf::error dispatch_all(Args... args,
                          const std::vector<recorded_event>& events) const {
    for (const auto& rec : events)
      if (auto err = dispatch(args..., rec))
        return err;
    return {};
  }

private:
  using handler = std::function<caf::error(Args..., const recorded_event&)>;
  std::shared_ptr<const event_registry> registry_;
  std::unordered_map<std::string, handler> handlers_;
};

} // namespace mink
