#pragma once

#include <any>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <caf/actor_system.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "mink/actors/aggregate_context.hpp"
#include "mink/actors/aggregate_model.hpp"
#include "mink/actors/interfaces.hpp"
#include "mink/aggregate.hpp"
#include "mink/aggregate_events.hpp"
#include "mink/command/append_command.hpp"
#include "mink/errc.hpp"
#include "mink/serialization/state_codec.hpp"

namespace mink {

/// Spawns the actor of one aggregate instance: it answers commands with
/// `command_result` or the error.
///
/// It works in rounds. A round takes the commands waiting (up to
/// `ctx.max_round`, in arrival order) and decides them one after another,
/// each against the state the ones before it leave; their events go to the
/// persistence actor as one group, committed in one transaction, each
/// command's append expecting the version the one before leaves. Each
/// command is answered once the group committed: with its own result, its
/// own refusal (a business error answers that command alone), or the first
/// answer of an earlier attempt when it is a repeat. Commands that came
/// meanwhile wait for the next round. So a hot aggregate pays one decision
/// pass and one append per round, not per command.
///
/// On its first round it rehydrates from the store (through `ctx.reader`),
/// unless the round's first command `creates` the aggregate: then it
/// decides against the empty state and the append expects no stream. When
/// another writer got there first (`wrong_expected_version`) it drops the
/// state it decided on, reads the stream and decides the commands still
/// unanswered again, up to `ctx.retry.max_retries` times with jittered
/// backoff.
///
/// `in_flight` (may be null) counts the commands sent to it and not yet
/// answered: the sender raises it, the actor lowers it as it answers.
/// Spawned by a router (`spawn_router`), which passes itself as `router`.
aggregate_actor
spawn_aggregate(caf::local_actor* parent, std::string stream_id,
                aggregate_model_factory make_model,
                std::shared_ptr<const aggregate_context> ctx,
                std::shared_ptr<std::atomic<int64_t>> in_flight);

namespace detail {

/// Whether `Decider` says which of its commands create its aggregate.
template <class D, class = void>
struct has_creates : std::false_type {};

template <class D>
struct has_creates<D, std::void_t<decltype(D::creates(
                        std::declval<const typename D::command_type&>()))>>
  : std::true_type {};

/// The error of a decider that threw while deciding `command`.
caf::error decide_threw(const std::string& command, const char* what);

/// The error of a snapshot of another state type or version.
caf::error snapshot_mismatch(const snapshot& snap, const char* state_type,
                             int32_t schema_version);

/// Parses a snapshot's JSON; none on a parse error.
std::optional<rapidjson::Document> parse_snapshot(const snapshot& snap);

/// Serializes a snapshot's JSON.
std::string write_snapshot(const rapidjson::Document& doc);

} // namespace detail

/// The `aggregate_model` of `Decider`: the only part of an aggregate actor
/// compiled per decider.
template <class Decider>
class decider_model final : public aggregate_model {
public:
  using command_type = typename Decider::command_type;
  using event_type = typename Decider::event_type;
  using appended = append_events<event_type>;

  int64_t version() const noexcept override {
    return agg_.version();
  }

  void reset() override {
    agg_ = aggregate<Decider>{};
  }

  bool accepts(const command_envelope& env) const override {
    return std::any_cast<command_type>(&env.payload) != nullptr
           || std::any_cast<appended>(&env.payload) != nullptr;
  }

  bool creates(const command_envelope& env) const override {
    if (env.expects_no_stream)
      return true;
    if constexpr (detail::has_creates<Decider>::value) {
      auto cmd = std::any_cast<command_type>(&env.payload);
      return cmd != nullptr && Decider::creates(*cmd);
    }
    return false;
  }

  caf::expected<std::vector<event_data>>
  decide(const command_envelope& env, const metadata& meta,
         const event_registry& reg) override {
    decided_.clear();
    if (auto x = std::any_cast<appended>(&env.payload)) {
      decided_ = x->events; // no rule: the sender decided
      return to_event_data(reg, decided_, meta);
    }
    try {
      auto decided = agg_.decide(*std::any_cast<command_type>(&env.payload));
      if (!decided)
        return std::move(decided.error());
      decided_ = std::move(*decided);
    } catch (const std::exception& ex) {
      return detail::decide_threw(env.type, ex.what());
    } catch (...) {
      return detail::decide_threw(env.type, nullptr);
    }
    return to_event_data(reg, decided_, meta);
  }

  void apply_decided() override {
    agg_.apply(decided_);
    // Not kept between commands: an idle actor holds no event buffer
    // (`= {}` would keep the capacity).
    std::vector<event_type>{}.swap(decided_);
  }

  caf::error replay(const event_registry& reg,
                    std::vector<recorded_event> events) override {
    return mink::replay(agg_, reg, std::move(events));
  }

  using codec = state_codec<Decider>;

  bool has_state_codec() const noexcept override {
    return codec::available;
  }

  caf::error restore(const snapshot& snap) override {
    if constexpr (codec::available) {
      if (snap.state_type != codec::type_name()
          || snap.schema_version != codec::schema_version())
        return detail::snapshot_mismatch(snap, codec::type_name(),
                                         codec::schema_version());
      auto doc = detail::parse_snapshot(snap);
      if (!doc)
        return make_error(errc::decode_failed, "snapshot is not valid JSON");
      auto state = codec::decode(*doc);
      if (!state)
        return std::move(state.error());
      return agg_.restore(std::move(*state), snap.version);
    } else {
      return make_error(errc::decode_failed,
                        "the aggregate has no state codec");
    }
  }

  std::optional<snapshot> take_snapshot() const override {
    if constexpr (codec::available) {
      rapidjson::Document doc;
      codec::encode(agg_.state(), doc);
      snapshot snap;
      snap.version = agg_.version();
      snap.state_type = codec::type_name();
      snap.schema_version = codec::schema_version();
      snap.data = detail::write_snapshot(doc);
      return snap;
    } else {
      return std::nullopt;
    }
  }

private:
  aggregate<Decider> agg_;
  std::vector<event_type> decided_;
};

/// The factory of `Decider`'s models.
template <class Decider>
aggregate_model_factory make_model_factory() {
  return [](model_storage& room) {
    return model_ptr::make<decider_model<Decider>>(room);
  };
}

} // namespace mink
