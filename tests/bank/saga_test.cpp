// The saga's decisions: which command follows each transfer status, with
// ids that depend on the transfer and the step alone.

#include <boost/test/unit_test.hpp>

#include <set>

#include "bank/commands.hpp"
#include "bank/saga.hpp"
#include "mink/uuid.hpp"

using namespace bank;

namespace {

transfer_state state_of(transfer_status s) {
  transfer_state st;
  st.status = s;
  st.from = "src";
  st.to = "dst";
  st.amount = 40;
  return st;
}

template <class T>
const T* payload(const std::optional<mink::command_envelope>& env) {
  if (!env)
    return nullptr;
  if (auto acc = std::any_cast<account_command>(&env->payload))
    return std::get_if<T>(acc);
  if (auto tr = std::any_cast<transfer_command>(&env->payload))
    if constexpr (std::is_constructible_v<transfer_command, T>)
      return std::get_if<T>(tr);
  return nullptr;
}

} // namespace

BOOST_AUTO_TEST_SUITE(transfer_saga_decisions)

BOOST_AUTO_TEST_CASE(step_ids_are_deterministic_uuids) {
  auto a = step_command_id("t-1", "debit");
  BOOST_CHECK(mink::is_uuid(a));
  BOOST_CHECK_EQUAL(a, step_command_id("t-1", "debit"));
  std::set<std::string> ids;
  for (auto t : {"t-1", "t-2", "t-10", "t-1/"})
    for (auto s : {"debit", "debited", "credit", "credited", "refund",
                   "compensated", "rejected", "credit_failed", "completed"})
      ids.insert(step_command_id(t, s));
  BOOST_CHECK_EQUAL(ids.size(), 36u);
  for (const auto& id : ids) {
    BOOST_CHECK_EQUAL(id[14], '8');                      // version
    BOOST_CHECK(std::string{"89ab"}.find(id[19]) != std::string::npos); // variant
    BOOST_CHECK_EQUAL(id, [&] {
      std::string low = id;
      for (auto& c : low)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return low;
    }());
  }
}

BOOST_AUTO_TEST_CASE(initiated_debits_the_source) {
  auto step = plan_step("t1", state_of(transfer_status::initiated));
  BOOST_CHECK(step.action == saga_action::debit);
  BOOST_REQUIRE(step.account_command);
  BOOST_CHECK_EQUAL(step.account_command->aggregate_id, "src");
  BOOST_CHECK_EQUAL(step.account_command->type, "debit_for_transfer");
  BOOST_CHECK_EQUAL(step.account_command->command_id,
                    step_command_id("t1", "debit"));
  auto debit = payload<debit_for_transfer>(step.account_command);
  BOOST_REQUIRE(debit != nullptr);
  BOOST_CHECK_EQUAL(debit->amount, 40);
  BOOST_CHECK_EQUAL(debit->transfer_id, "t1");
  BOOST_REQUIRE(step.on_success);
  BOOST_CHECK_EQUAL(step.on_success->type, "record_debit");
  BOOST_CHECK_EQUAL(step.on_success->aggregate_id, "t1");
  auto refusal = refusal_command("t1", step.action, "no funds");
  BOOST_REQUIRE(refusal);
  BOOST_CHECK_EQUAL(refusal->type, "reject_transfer");
}

BOOST_AUTO_TEST_CASE(debited_credits_the_target_or_fails) {
  auto step = plan_step("t1", state_of(transfer_status::debited));
  BOOST_CHECK(step.action == saga_action::credit);
  BOOST_REQUIRE(step.account_command);
  BOOST_CHECK_EQUAL(step.account_command->aggregate_id, "dst");
  BOOST_CHECK_EQUAL(step.account_command->type, "credit_for_transfer");
  BOOST_CHECK_EQUAL(step.on_success->type, "record_credit");
  auto refusal = refusal_command("t1", step.action, "closed");
  BOOST_REQUIRE(refusal);
  BOOST_CHECK_EQUAL(refusal->type, "record_credit_failure");
}

BOOST_AUTO_TEST_CASE(credit_failed_refunds_the_source) {
  auto step = plan_step("t1", state_of(transfer_status::credit_failed));
  BOOST_CHECK(step.action == saga_action::refund);
  BOOST_REQUIRE(step.account_command);
  BOOST_CHECK_EQUAL(step.account_command->aggregate_id, "src");
  BOOST_CHECK_EQUAL(step.account_command->type, "refund_transfer");
  BOOST_CHECK_EQUAL(step.on_success->type, "record_compensation");
  BOOST_CHECK(!refusal_command("t1", step.action, "x"));
}

BOOST_AUTO_TEST_CASE(credited_completes_and_final_states_rest) {
  auto step = plan_step("t1", state_of(transfer_status::credited));
  BOOST_CHECK(step.action == saga_action::complete);
  BOOST_CHECK(!step.account_command);
  BOOST_REQUIRE(step.on_success);
  BOOST_CHECK_EQUAL(step.on_success->type, "complete_transfer");
  for (auto s : {transfer_status::completed, transfer_status::rejected,
                 transfer_status::compensated, transfer_status::none}) {
    auto rest = plan_step("t1", state_of(s));
    BOOST_CHECK(rest.action == saga_action::none);
    BOOST_CHECK(!rest.account_command);
    BOOST_CHECK(!rest.on_success);
  }
}

BOOST_AUTO_TEST_SUITE_END()
