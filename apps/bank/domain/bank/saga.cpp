#include "bank/saga.hpp"

#include "bank/account.hpp"
#include "bank/errors.hpp"
#include "mink/command/declared_commands.hpp"

namespace bank {

namespace {

using mink::saga_context;

/// One account step and the outcome it appends to the transfer.
struct account_step {
  const char* step; // e.g. `debit`
  std::string account;
  account_command cmd;
  transfer_event done;
  /// The outcome of a refusal; none: a refusal must not be.
  std::function<transfer_event(std::string)> refused;
};

/// Appends `ev` to the transfer's stream, as the step named after the
/// status it leads to (`debited`, ...: the step ids of the older code).
/// A refusal would leave the transfer where it is for good: retry, loudly.
void record(saga_context& ctx, transfer_event ev) {
  const char* step = mink::enum_name(status_after(ev));
  ctx.send(step,
           mink::make_append_command<transfer_decider>(ctx.instance(),
                                                       {std::move(ev)}),
           {}, [](const caf::error& err, saga_context& c) { c.fail(err); });
}

/// Sends the account command; records `done` when it succeeds and
/// `refused(reason)` when a rule refuses it.
void run(saga_context& ctx, const step_hook& hook, account_step x) {
  auto cmd = mink::make_command<account_decider>(x.account, x.cmd, "");
  ctx.send(
    x.step, std::move(cmd),
    [=](saga_context& c) {
      if (hook)
        hook(x.step, c.instance());
      record(c, x.done);
    },
    [=](const caf::error& err, saga_context& c) {
      if (!x.refused) // an account never opened: keep trying
        return c.fail(err);
      record(c, x.refused(describe(err)));
    });
}

} // namespace

std::shared_ptr<mink::saga<transfer_progress>> make_transfer_saga(
  std::shared_ptr<const mink::event_registry> registry,
  recovery recover,
  step_hook hook) {
  using mink::typed_event;
  auto s = std::make_shared<mink::saga<transfer_progress>>(
    transfer_saga_name, std::move(registry), transfer_decider::category);
  if (recover)
    s->recover_with(std::move(recover));
  s->on<transfer_initiated>([hook](transfer_progress& st, saga_context& ctx,
                                   const typed_event<transfer_initiated>& ev) {
    st = {ev.data.from, ev.data.to, ev.data.amount};
    run(ctx, hook,
        {"debit", st.from, debit_for_transfer{ctx.instance(), st.amount},
         transfer_debited{},
         [](std::string why) { return transfer_rejected{why}; }});
  });
  s->on<transfer_debited>([hook](transfer_progress& st, saga_context& ctx,
                                 const auto&) {
    run(ctx, hook,
        {"credit", st.to, credit_for_transfer{ctx.instance(), st.amount},
         transfer_credited{},
         [](std::string why) { return transfer_credit_failed{why}; }});
  });
  s->on<transfer_credit_failed>([hook](transfer_progress& st,
                                       saga_context& ctx, const auto&) {
    run(ctx, hook,
        {"refund", st.from, refund_transfer{ctx.instance(), st.amount},
         transfer_compensated{}, {}});
  });
  s->on<transfer_credited>([](transfer_progress&, saga_context& ctx,
                              const auto&) {
    record(ctx, transfer_completed{});
  });
  auto finish = [](transfer_progress&, saga_context& ctx, const auto&) {
    ctx.complete();
  };
  s->on<transfer_completed>(finish);
  s->on<transfer_rejected>(finish);
  s->on<transfer_compensated>(finish);
  return s;
}

} // namespace bank
