#pragma once

#include <any>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <rapidjson/document.h>

#include "mink/event.hpp"
#include "mink/projection/event_handlers.hpp"
#include "mink/saga/saga_context.hpp"
#include "mink/serialization/declared_json.hpp"
#include "mink/serialization/json_codec.hpp"
#include "mink/store/event_store.hpp"

namespace mink {

/// A saga (process manager) with its state type erased: what a
/// `saga_runner` runs. Write sagas with `saga<State>`.
class saga_definition {
public:
  virtual ~saga_definition();

  /// The saga's name: the key of its instances, timers and checkpoint,
  /// and the first part of its command ids.
  [[nodiscard]] virtual const std::string& name() const = 0;

  /// The events it reads.
  [[nodiscard]] virtual read_filter filter() const = 0;

  /// The instance `ev` belongs to; empty when none.
  [[nodiscard]] virtual std::string instance_of(const recorded_event& ev) const
    = 0;

  /// The state of an instance the store has no record of, and in
  /// `position` the global position up to which its steps were taken
  /// before (0 for a new instance).
  [[nodiscard]] virtual caf::expected<std::any>
  new_state(const std::string& instance, int64_t& position) const = 0;

  [[nodiscard]] virtual caf::expected<std::any>
  decode_state(const std::string& json) const = 0;

  [[nodiscard]] virtual caf::expected<std::string>
  encode_state(const std::any& st) const = 0;

  /// Runs the handler of `ev`'s type, if any.
  virtual caf::error handle(std::any& st, saga_context& ctx,
                            const recorded_event& ev) const = 0;

  /// Runs the handler of timer `timer`; false when it has none.
  virtual bool wake(std::any& st, saga_context& ctx,
                    const std::string& timer) const = 0;
};

/// The state of a saga instance rebuilt from before the saga kept state
/// (see `saga::recover_with`), and the global position of the last event
/// whose step was already taken (0: none).
template <class State>
struct recovered {
  State state;
  int64_t position = 0;
};

/// A saga over state `State` (declared with `MINK_FIELDS`, stored as
/// JSON between events):
///
/// ~~~
/// mink::saga<order_process> s{"shop.order", registry, "order"};
/// s.on<order_placed>([](order_process& st, mink::saga_context& ctx,
///                       const auto& ev) {
///   st.customer = ev.data.customer;
///   ctx.send("reserve", mink::make_command<stock_decider>(...),
///            {}, [&st](const caf::error&, mink::saga_context& c) {
///              c.send("cancel", ...);          // compensate
///            });
///   ctx.wake_after("payment", std::chrono::minutes{15});
/// });
/// s.on_wake("payment", [](order_process& st, mink::saga_context& ctx) {
///   if (!st.paid)
///     ctx.send("cancel", ...);
/// });
/// ~~~
///
/// An event belongs to the instance named by the id part of its stream id
/// (`order-17` -> `17`) unless `instance_by` says otherwise. Handlers and
/// continuations may keep a reference to the state: it lives until the
/// runner has carried out everything the event caused.
template <class State>
class saga : public saga_definition {
public:
  saga(std::string name, std::shared_ptr<const event_registry> registry,
       std::string category = {})
    : name_(std::move(name)),
      category_(std::move(category)),
      handlers_(std::move(registry)) {
    // nop
  }

  /// Handles events of declared type `E` with
  /// `f(State&, saga_context&, const typed_event<E>&)`.
  template <class E, class F>
  saga& on(F f) {
    handlers_.template on<E>(std::move(f));
    return *this;
  }

  /// Handles timer `timer` with `f(State&, saga_context&)`.
  template <class F>
  saga& on_wake(std::string timer, F f) {
    wakes_[std::move(timer)] = [f = std::move(f)](std::any& st,
                                                  saga_context& ctx) {
      f(*std::any_cast<State>(&st), ctx);
    };
    return *this;
  }

  /// Names the instance of an event (empty: the event is not the saga's).
  saga& instance_by(std::function<std::string(const recorded_event&)> f) {
    instance_of_ = std::move(f);
    return *this;
  }

  /// Builds the state of an instance the saga store has no record of (for
  /// instances that began before the saga kept state); `State{}` without.
  /// `f` also gives the global position of the last event whose step was
  /// taken before: the saga skips events at or below it.
  saga& recover_with(
    std::function<caf::expected<recovered<State>>(const std::string& instance)>
      f) {
    recover_ = std::move(f);
    return *this;
  }

  const std::string& name() const override {
    return name_;
  }

  read_filter filter() const override {
    return {category_, handlers_.types()};
  }

  std::string instance_of(const recorded_event& ev) const override {
    if (instance_of_)
      return instance_of_(ev);
    auto dash = ev.stream_id.find('-');
    return dash == std::string::npos ? ev.stream_id
                                     : ev.stream_id.substr(dash + 1);
  }

  caf::expected<std::any> new_state(const std::string& instance,
                                    int64_t& position) const override {
    position = 0;
    if (!recover_)
      return std::any{State{}};
    auto st = recover_(instance);
    if (!st)
      return std::move(st.error());
    position = st->position;
    return std::any{std::move(st->state)};
  }

  caf::expected<std::any> decode_state(const std::string& json) const override {
    rapidjson::Document doc;
    if (auto err = parse_json(json, doc))
      return err;
    auto st = decode_declared<State>(doc, name_.c_str());
    if (!st)
      return std::move(st.error());
    return std::any{std::move(*st)};
  }

  caf::expected<std::string> encode_state(const std::any& st) const override {
    rapidjson::Document doc;
    encode_declared(*std::any_cast<State>(&st), doc);
    return write_json(doc);
  }

  caf::error handle(std::any& st, saga_context& ctx,
                    const recorded_event& ev) const override {
    return handlers_.dispatch(*std::any_cast<State>(&st), ctx, ev);
  }

  bool wake(std::any& st, saga_context& ctx,
            const std::string& timer) const override {
    auto i = wakes_.find(timer);
    if (i == wakes_.end())
      return false;
    i->second(st, ctx);
    return true;
  }

private:
  std::string name_;
  std::string category_;
  event_handlers<State&, saga_context&> handlers_;
  std::unordered_map<std::string,
                     std::function<void(std::any&, saga_context&)>>
    wakes_;
  std::function<std::string(const recorded_event&)> instance_of_;
  std::function<caf::expected<recovered<State>>(const std::string&)> recover_;
};

} // namespace mink
