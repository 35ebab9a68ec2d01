#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include <caf/all.hpp>

#include "mink/actors/aggregate_actor_state.hpp"
#include "mink/actors/aggregate_context.hpp"
#include "mink/actors/atoms.hpp"
#include "mink/actors/detail/aggregate_decide.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"

namespace mink {

/// The actor of one aggregate instance: answers
/// `(command_atom, command_envelope)` with `command_result` or the error.
/// `in_flight` (may be null) counts the commands sent to it and not yet
/// answered: the sender raises it, the actor lowers it as it answers.
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
/// unless the round's first command `expects_no_stream`: then it decides
/// against the empty state and the append expects no stream. When another
/// writer got there first (`wrong_expected_version`) it drops the state it
/// decided on, reads the stream and decides the commands still unanswered
/// again, up to `ctx.retry.max_retries` times with jittered backoff.
template <class Decider>
caf::behavior aggregate_actor(detail::aggregate_self<Decider>* self,
                              std::string stream_id,
                              std::shared_ptr<const aggregate_context> ctx,
                              std::shared_ptr<std::atomic<int64_t>> in_flight) {
  self->state.stream_id = std::move(stream_id);
  self->state.in_flight = std::move(in_flight);
  // Callbacks refer to the context through the state, which outlives them:
  // nothing is copied per message.
  self->state.ctx = std::move(ctx);
  // An exception outside `decide` (in `evolve`, a state codec, ...) ends
  // the actor; everyone waiting on it gets an answer first. Its router
  // forgets it, and the aggregate's next command rehydrates a new one.
  self->set_exception_handler(
    [self](caf::scheduled_actor*, std::exception_ptr& eptr) -> caf::error {
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
      if (auto router = caf::actor_cast<caf::actor>(st.ctx->router))
        caf::anon_send(router, gone_atom::value, st.stream_id,
                       self->address());
      return err;
    });
  return {
    [self](command_atom, command_envelope& cmd) {
      auto rp = self->template make_response_promise<command_result>();
      auto& st = self->state;
      held_command c;
      c.cmd = std::move(cmd);
      c.rp = rp;
      if (st.waiting.size() >= st.ctx->max_waiting) {
        st.answer(c, make_error(errc::overloaded,
                                "too many commands waiting for aggregate "
                                  + st.stream_id));
        return rp;
      }
      st.waiting.push_back(std::move(c));
      detail::start_next(self, *st.ctx);
      return rp;
    },
    [self](retry_atom) {
      self->state.busy = false;
      detail::start_next(self, *self->state.ctx);
    },
    [self](passivate_atom) {
      self->state.passivating = true;
      detail::start_next(self, *self->state.ctx);
    },
  };
}

} // namespace mink
