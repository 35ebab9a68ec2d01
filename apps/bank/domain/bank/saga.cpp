#include "bank/saga.hpp"

#include "bank/commands.hpp"
#include "bank/errors.hpp"

namespace bank {

namespace {

using mink::saga_context;

/// One account step and how its outcome is recorded on the transfer.
struct account_step {
  const char* step;         // e.g. `debit`
  std::string account;
  account_command cmd;
  const char* done_step;    // e.g. `debited`
  transfer_command done;
  const char* refused_step; // e.g. `rejected`; null: a refusal must not be
  std::function<transfer_command(std::string)> refused;
};

/// A refusal that must not happen (the transfer is not where the saga
/// believes): the batch fails and is retried, loudly.
void keep_trying(const caf::error& err, saga_context& c) {
  c.fail(err);
}

/// Records `x` on the transfer as step `step`.
void record(saga_context& ctx, const char* step, transfer_command x) {
  ctx.send(step, make_command(ctx.instance(), std::move(x), ""), {},
           keep_trying);
}

/// Sends the account command; records `done` when it succeeds and
/// `refused(reason)` when a rule refuses it.
void run(saga_context& ctx, const step_hook& hook, account_step x) {
  auto cmd = make_command(x.account, x.cmd, "");
  ctx.send(
    x.step, std::move(cmd),
    [=](saga_context& c) {
      if (hook)
        hook(x.step, c.instance());
      record(c, x.done_step, x.done);
    },
    [=](const caf::error& err, saga_context& c) {
      if (x.refused_step == nullptr) // an account never opened: keep trying
        return keep_trying(err, c);
      record(c, x.refused_step, x.refused(describe(err)));
    });
}

/// Whether `ev` is news: not below the last event acted on.
template <class Event>
bool fresh(transfer_progress& st, const mink::typed_event<Event>& ev) {
  if (ev.version() < st.seen)
    return false;
  st.seen = ev.version();
  return true;
}

} // namespace

std::shared_ptr<mink::saga<transfer_progress>> make_transfer_saga(
  std::shared_ptr<const mink::event_registry> registry,
  std::function<caf::expected<transfer_progress>(const std::string&)> recover,
  step_hook hook) {
  using mink::typed_event;
  auto s = std::make_shared<mink::saga<transfer_progress>>(
    transfer_saga_name, std::move(registry), transfer_decider::category);
  if (recover)
    s->recover_with(std::move(recover));
  s->on<transfer_initiated>([hook](transfer_progress& st, saga_context& ctx,
                                   const typed_event<transfer_initiated>& ev) {
    if (!fresh(st, ev))
      return;
    st = {ev.data.from, ev.data.to, ev.data.amount, ev.version()};
    run(ctx, hook,
        {"debit", st.from, debit_for_transfer{ctx.instance(), st.amount},
         "debited", record_debit{}, "rejected",
         [](std::string why) { return reject_transfer{why}; }});
  });
  s->on<transfer_debited>([hook](transfer_progress& st, saga_context& ctx,
                                 const auto& ev) {
    if (!fresh(st, ev))
      return;
    run(ctx, hook,
        {"credit", st.to, credit_for_transfer{ctx.instance(), st.amount},
         "credited", record_credit{}, "credit_failed",
         [](std::string why) { return record_credit_failure{why}; }});
  });
  s->on<transfer_credit_failed>([hook](transfer_progress& st,
                                       saga_context& ctx, const auto& ev) {
    if (!fresh(st, ev))
      return;
    run(ctx, hook,
        {"refund", st.from, refund_transfer{ctx.instance(), st.amount},
         "compensated", record_compensation{}, nullptr, {}});
  });
  s->on<transfer_credited>([](transfer_progress& st, saga_context& ctx,
                              const auto& ev) {
    if (fresh(st, ev))
      record(ctx, "completed", complete_transfer{});
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
