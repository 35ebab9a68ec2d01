#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/adapters/memory/memory_saga_store.hpp"
#include "mink/clock.hpp"
#include "mink/saga/saga_runner.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/testing/event_log.hpp"

namespace mink::testing {

/// Given/When/Then for a saga, without actors or a database: given events
/// (and time passing), then these commands and these timers.
///
/// ~~~
/// mink::testing::saga_scenario sc{order_saga, registry};
/// sc.answer("reserve", make_error(shop_errc::out_of_stock));
/// BOOST_REQUIRE(!sc.given("order-1", order_placed{"Ada"}));
/// BOOST_TEST(sc.commands().size() == 2);               // reserve, cancel
/// BOOST_TEST(sc.timers().at(0).name == "payment");
/// sc.advance(std::chrono::minutes{15});                 // fires it
/// ~~~
///
/// Commands succeed unless `answer` says otherwise. Each `given` runs the
/// saga on one event, as the projection engine would; the saga's state and
/// timers live in a memory saga store.
class saga_scenario {
public:
  saga_scenario(std::shared_ptr<const saga_definition> def,
                std::shared_ptr<const event_registry> registry)
    : log_(std::move(registry)),
      clock_(std::make_shared<manual_clock>()),
      store_(std::make_shared<memory_saga_store>()) {
    saga_runner_config cfg;
    cfg.time = clock_;
    runner_ = std::make_unique<saga_runner>(
      std::move(def), store_,
      [this](std::vector<command_envelope> cmds) { return answer_all(cmds); },
      cfg);
  }

  /// Answers commands of type `command_type` to aggregate `aggregate_id`
  /// (any when empty) with `err` from now on; an empty error means success.
  saga_scenario& answer(std::string command_type, caf::error err,
                        std::string aggregate_id = {}) {
    answers_[{std::move(command_type), std::move(aggregate_id)}]
      = std::move(err);
    return *this;
  }

  /// Stores `ev` as the next event of `stream_id` (with `meta`) and runs
  /// the saga on it. Returns the runner's error (e.g. a failed command).
  template <class E>
  caf::error given(const std::string& stream_id, const E& ev,
                   metadata meta = {}) {
    auto rec = log_.record(stream_id, ev, std::move(meta), clock_->now_us());
    if (!rec)
      return std::move(rec.error());
    last_ = std::move(*rec);
    return runner_->handle({last_});
  }

  /// Stores `ev` as the next event of `stream_id` without running the
  /// saga: for `given_batch`.
  template <class E>
  caf::expected<recorded_event> record(const std::string& stream_id,
                                       const E& ev, metadata meta = {}) {
    return log_.record(stream_id, ev, std::move(meta), clock_->now_us());
  }

  /// Runs the saga on several recorded events as one batch.
  caf::error given_batch(std::vector<recorded_event> events) {
    if (!events.empty())
      last_ = events.back();
    batch_ = events;
    return runner_->handle(events);
  }

  /// Runs the saga on the last batch again (`given_batch`).
  caf::error redeliver_batch() {
    return runner_->handle(batch_);
  }

  /// Runs the saga on the last event again, as the projection engine does
  /// after a crash before the checkpoint moved.
  caf::error redeliver_last() {
    return runner_->handle({last_});
  }

  /// Moves the clock forward by `d` and fires the timers due; how many
  /// fired, or the runner's error.
  caf::expected<size_t> advance(std::chrono::microseconds d) {
    clock_->advance(d);
    return runner_->fire_due();
  }

  /// Every command sent so far, in order (repeats included).
  [[nodiscard]] const std::vector<command_envelope>& commands() const {
    return sent_;
  }

  /// Command `i` as a `Cmd` of `Decider`'s command type, or null when it
  /// is not one.
  template <class Decider, class Cmd>
  [[nodiscard]] const Cmd* command_as(size_t i) const {
    using variant = typename Decider::command_type;
    if (i >= sent_.size())
      return nullptr;
    if (auto x = std::any_cast<variant>(&sent_[i].payload))
      return std::get_if<Cmd>(x);
    return nullptr;
  }

  /// The timers pending, earliest first.
  [[nodiscard]] std::vector<saga_timer> timers() const {
    auto xs = store_->due(runner_->name(), INT64_MAX, SIZE_MAX);
    return xs ? std::move(*xs) : std::vector<saga_timer>{};
  }

  /// The saga's saved record of `instance`, if any.
  [[nodiscard]] std::optional<saga_record>
  record(const std::string& instance) const {
    auto x = store_->load(runner_->name(), instance);
    return x ? std::move(*x) : std::nullopt;
  }

  [[nodiscard]] manual_clock& clock() noexcept {
    return *clock_;
  }

  [[nodiscard]] const saga_stats& stats() const noexcept {
    return runner_->stats();
  }

private:
  std::vector<caf::expected<command_result>>
  answer_all(const std::vector<command_envelope>& cmds) {
    std::vector<caf::expected<command_result>> out;
    for (const auto& cmd : cmds) {
      sent_.push_back(cmd);
      auto i = answers_.find({cmd.type, cmd.aggregate_id});
      if (i == answers_.end())
        i = answers_.find({cmd.type, {}});
      if (i != answers_.end() && i->second)
        out.emplace_back(i->second);
      else
        out.emplace_back(command_result{1, log_.position()});
    }
    return out;
  }

  event_log log_;
  std::shared_ptr<manual_clock> clock_;
  std::shared_ptr<memory_saga_store> store_;
  std::unique_ptr<saga_runner> runner_;
  std::map<std::pair<std::string, std::string>, caf::error> answers_;
  recorded_event last_;
  std::vector<recorded_event> batch_;
  std::vector<command_envelope> sent_;
};

} // namespace mink::testing
