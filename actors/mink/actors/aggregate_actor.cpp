#include "mink/actors/aggregate_actor.hpp"

#include "mink/actors/detail/aggregate_round.hpp"

#include <caf/all.hpp>

namespace mink {

aggregate_model::~aggregate_model() = default;

void aggregate_actor_state::answer(held_command& c, command_result x) {
  c.rp.deliver(std::move(x));
  answered(c);
}

void aggregate_actor_state::answer(held_command& c, caf::error err) {
  c.rp.deliver(std::move(err));
  answered(c);
}

void aggregate_actor_state::answered(held_command& c) {
  c.done = true;
  if (in_flight)
    in_flight->fetch_sub(1, std::memory_order_relaxed);
}

void aggregate_actor_state::answer_with(held_command& c,
                                        caf::expected<command_result> x) {
  if (x)
    answer(c, std::move(*x));
  else
    answer(c, std::move(x.error()));
}

namespace {

/// An exception outside `decide` (in `evolve`, a state codec, ...) ends the
/// actor; everyone waiting on it gets an answer first. Its router forgets
/// it, and the aggregate's next command rehydrates a new one.
caf::error on_exception(detail::aggregate_self self, std::exception_ptr& eptr) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(eptr);
  } catch (const std::exception& ex) {
    what = ex.what();
  } catch (...) {
    // keep the default text
  }
  auto& st = self->state;
  auto err = make_error(errc::handler_failed,
                        "aggregate " + st.stream_id + ": " + what);
  detail::fail_all(self, err);
  if (auto router = caf::actor_cast<router_actor>(st.ctx->router))
    caf::anon_send(router, gone_atom::value, st.stream_id, self->address());
  return err;
}

} // namespace

namespace detail {

aggregate_actor_impl::aggregate_actor_impl(
  caf::actor_config& cfg, std::string stream_id,
  aggregate_model_factory make_model,
  std::shared_ptr<const aggregate_context> ctx,
  std::shared_ptr<std::atomic<int64_t>> in_flight)
  : aggregate_actor::base(cfg) {
  state.model = make_model(state.model_room);
  state.stream_id = std::move(stream_id);
  state.in_flight = std::move(in_flight);
  // Callbacks refer to the context through the state, which outlives them:
  // nothing is copied per message.
  state.ctx = std::move(ctx);
}

aggregate_actor::behavior_type aggregate_actor_impl::make_behavior() {
  auto self = this;
  set_exception_handler(
    [self](caf::scheduled_actor*, std::exception_ptr& eptr) {
      return on_exception(self, eptr);
    });
  return {
    [self](command_atom, command_envelope& cmd)
      -> caf::typed_response_promise<command_result> {
      auto& st = self->state;
      held_command c;
      c.cmd = std::move(cmd);
      c.rp = self->make_response_promise<command_result>();
      auto rp = c.rp;
      if (st.waiting.size() >= st.ctx->max_waiting) {
        st.answer(c, make_error(errc::overloaded,
                                "too many commands waiting for aggregate "
                                  + st.stream_id));
        return rp;
      }
      st.waiting.push_back(std::move(c));
      detail::start_next(self);
      return rp;
    },
    [self](retry_atom) {
      self->state.busy = false;
      detail::start_next(self);
    },
    [self](passivate_atom) {
      self->state.passivating = true;
      detail::start_next(self);
    },
  };
}

} // namespace detail

aggregate_actor spawn_aggregate(caf::local_actor* parent,
                                std::string stream_id,
                                aggregate_model_factory make_model,
                                std::shared_ptr<const aggregate_context> ctx,
                                std::shared_ptr<std::atomic<int64_t>> in_flight) {
  return parent->spawn<detail::aggregate_actor_impl>(
    std::move(stream_id), make_model, std::move(ctx), std::move(in_flight));
}

namespace detail {

caf::error decide_threw(const std::string& command, const char* what) {
  if (what == nullptr)
    return make_error(errc::handler_failed, "command " + command + " threw");
  return make_error(errc::handler_failed,
                    "command " + command + " threw: " + what);
}

caf::error snapshot_mismatch(const snapshot& snap, const char* state_type,
                             int32_t schema_version) {
  return make_error(errc::decode_failed,
                    "snapshot is of state " + snap.state_type + " v"
                      + std::to_string(snap.schema_version)
                      + ", the aggregate reads " + state_type + " v"
                      + std::to_string(schema_version));
}

std::optional<rapidjson::Document> parse_snapshot(const snapshot& snap) {
  std::optional<rapidjson::Document> doc{std::in_place};
  doc->Parse<rapidjson::kParseIterativeFlag>(snap.data.data(),
                                             snap.data.size());
  if (doc->HasParseError())
    return std::nullopt;
  return doc;
}

std::string write_snapshot(const rapidjson::Document& doc) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buf};
  doc.Accept(writer);
  return std::string{buf.GetString(), buf.GetSize()};
}

} // namespace detail

} // namespace mink
