// The transfer saga, given transfer events: which commands follow, with
// ids that depend on the transfer and the step alone (as before sagas moved
// into mink), and what a refusal leads to.

#include <boost/test/unit_test.hpp>

#include <set>

#include "bank/errors.hpp"
#include "bank/events.hpp"
#include "bank/saga.hpp"
#include "mink/command/append_command.hpp"
#include "mink/testing/saga_scenario.hpp"
#include "mink/uuid.hpp"

using namespace bank;
using mink::step_command_id;

namespace {

std::string id_of(const std::string& tid, const std::string& step) {
  return step_command_id(transfer_saga_name, tid, step);
}

struct fixture {
  std::shared_ptr<mink::event_registry> registry = [] {
    auto reg = std::make_shared<mink::event_registry>();
    BOOST_REQUIRE(!register_events(*reg));
    return reg;
  }();
  std::vector<std::string> hooked;
  mink::testing::saga_scenario sc{
    make_transfer_saga(registry, {},
                       [this](const std::string& step, const std::string& t) {
                         hooked.push_back(step + "/" + t);
                       }),
    registry};

  /// `type stream id` of each command sent; an append names its events
  /// instead of its type.
  std::vector<std::string> sent() const {
    std::vector<std::string> out;
    for (const auto& c : sc.commands())
      out.push_back(appended(c) + " " + c.stream_id() + " " + c.command_id);
    return out;
  }

  static std::string appended(const mink::command_envelope& c) {
    using append = mink::append_events<transfer_event>;
    auto x = std::any_cast<append>(&c.payload);
    if (x == nullptr)
      return c.type;
    BOOST_TEST(c.type == "mink.append.transfer");
    std::string out = "+";
    for (const auto& ev : x->events)
      out += std::visit(
        [](const auto& e) -> std::string {
          return mink::type_name_of<std::decay_t<decltype(e)>>();
        },
        ev);
    return out;
  }

  /// The reason of the single `Event` that command `i` appends, or
  /// `(none)`.
  template <class Event>
  std::string appended_reason(size_t i) const {
    using append = mink::append_events<transfer_event>;
    auto x = std::any_cast<append>(&sc.commands().at(i).payload);
    if (x == nullptr || x->events.size() != 1)
      return "(none)";
    auto ev = std::get_if<Event>(&x->events.front());
    return ev != nullptr ? ev->reason : "(none)";
  }
};

using lines = std::vector<std::string>;

} // namespace

BOOST_FIXTURE_TEST_SUITE(transfer_saga, fixture)

BOOST_AUTO_TEST_CASE(step_ids_are_deterministic_uuids) {
  std::set<std::string> ids;
  for (auto t : {"t-1", "t-2", "t-10", "t-1/"})
    for (auto s : {"debit", "debited", "credit", "credited", "refund",
                   "compensated", "rejected", "credit_failed", "completed"})
      ids.insert(id_of(t, s));
  BOOST_CHECK_EQUAL(ids.size(), 36u);
  for (const auto& id : ids) {
    BOOST_CHECK(mink::is_uuid(id));
    BOOST_CHECK_EQUAL(id[14], '8'); // version
  }
}

BOOST_AUTO_TEST_CASE(a_transfer_debits_credits_and_completes) {
  BOOST_REQUIRE(!sc.given("transfer-t1", transfer_initiated{"a", "b", 40}));
  BOOST_TEST(sent()
             == (lines{"debit_for_transfer account-a " + id_of("t1", "debit"),
                       "+TransferDebited transfer-t1 " + id_of("t1", "debited")}));
  BOOST_TEST(hooked == lines{"debit/t1"});
  BOOST_REQUIRE(!sc.given("transfer-t1", transfer_debited{}));
  BOOST_REQUIRE(!sc.given("transfer-t1", transfer_credited{}));
  BOOST_REQUIRE(!sc.given("transfer-t1", transfer_completed{}));
  BOOST_TEST(sent()
             == (lines{"debit_for_transfer account-a " + id_of("t1", "debit"),
                       "+TransferDebited transfer-t1 " + id_of("t1", "debited"),
                       "credit_for_transfer account-b " + id_of("t1", "credit"),
                       "+TransferCredited transfer-t1 "
                         + id_of("t1", "credited"),
                       "+TransferCompleted transfer-t1 "
                         + id_of("t1", "completed")}));
  auto credit = sc.command_as<account_decider, credit_for_transfer>(2);
  BOOST_REQUIRE(credit);
  BOOST_TEST(credit->transfer_id == "t1");
  BOOST_TEST(credit->amount == 40);
  BOOST_TEST(sc.record("t1")->done);
}

BOOST_AUTO_TEST_CASE(a_refused_debit_rejects_the_transfer) {
  sc.answer("debit_for_transfer",
            make_error(bank_errc::insufficient_funds, "balance 0"));
  BOOST_REQUIRE(!sc.given("transfer-t2", transfer_initiated{"a", "b", 40}));
  BOOST_REQUIRE_EQUAL(sc.commands().size(), 2u);
  BOOST_TEST(appended_reason<transfer_rejected>(1)
             == "bank.insufficient_funds: balance 0");
  BOOST_TEST(sc.commands()[1].command_id == id_of("t2", "rejected"));
  BOOST_TEST(hooked.empty());
}

BOOST_AUTO_TEST_CASE(a_refused_credit_is_refunded) {
  sc.answer("credit_for_transfer", make_error(bank_errc::account_closed));
  BOOST_REQUIRE(!sc.given("transfer-t3", transfer_initiated{"a", "b", 5}));
  BOOST_REQUIRE(!sc.given("transfer-t3", transfer_debited{}));
  auto last = sc.commands().size() - 1;
  BOOST_TEST(appended_reason<transfer_credit_failed>(last)
             == "bank.account_closed");
  BOOST_REQUIRE(!sc.given("transfer-t3", transfer_credit_failed{"closed"}));
  auto n = sc.commands().size();
  BOOST_TEST(sc.commands()[n - 2].type == "refund_transfer");
  BOOST_TEST(sc.commands()[n - 2].stream_id() == "account-a");
  BOOST_TEST(appended(sc.commands()[n - 1]) == "+TransferCompensated");
  BOOST_TEST(hooked == (lines{"debit/t3", "refund/t3"}));
}

BOOST_AUTO_TEST_CASE(a_refused_refund_is_retried_not_dropped) {
  sc.answer("refund_transfer", make_error(bank_errc::account_not_open));
  BOOST_REQUIRE(!sc.given("transfer-t4", transfer_initiated{"a", "b", 5}));
  auto before = sc.record("t4");
  auto err = sc.given("transfer-t4", transfer_credit_failed{"closed"});
  BOOST_TEST((mink::business_code_of<bank_errc>(err)
              == bank_errc::account_not_open));
  BOOST_TEST(sc.record("t4")->position == before->position); // not saved
  BOOST_TEST(sc.commands().back().type == "refund_transfer");
}

BOOST_AUTO_TEST_CASE(an_outcome_that_fails_to_append_is_retried_not_dropped) {
  // The debit happened; its outcome must reach the transfer's stream,
  // whether the append fails or is refused.
  sc.answer(mink::append_command_name("transfer"),
            mink::make_error(mink::errc::storage_failure, "disk full"));
  auto err = sc.given("transfer-t6", transfer_initiated{"a", "b", 5});
  BOOST_TEST((err == mink::errc::storage_failure));
  auto rec = sc.record("t6"); // the debit's outcome kept, the event not done
  BOOST_REQUIRE(rec);
  BOOST_TEST(rec->position == 0);
  BOOST_TEST(rec->journal == R"({"e1/debit":{"ok":true}})");
  sc.answer(mink::append_command_name("transfer"),
            make_error(bank_errc::invalid_transfer_state));
  err = sc.redeliver_last();
  BOOST_TEST((mink::business_code_of<bank_errc>(err)
              == bank_errc::invalid_transfer_state));
  BOOST_TEST(sc.record("t6")->position == 0);
}

BOOST_AUTO_TEST_CASE(steps_the_code_before_took_are_not_taken_again) {
  // Recovered from a stream of two events (initiated at position 1,
  // rejected): the initiation is history, its debit must not be sent again.
  mink::testing::saga_scenario old{
    make_transfer_saga(registry,
                       [](const std::string&)
                         -> caf::expected<mink::recovered<transfer_progress>> {
                         return mink::recovered<transfer_progress>{
                           {"x", "y", 7}, 1};
                       }),
    registry};
  BOOST_REQUIRE(!old.given("transfer-t7", transfer_initiated{"x", "y", 7}));
  BOOST_TEST(old.commands().empty());
  BOOST_REQUIRE(!old.given("transfer-t7", transfer_rejected{"no money"}));
  BOOST_TEST(old.commands().empty());
  BOOST_TEST(old.record("t7")->done);
}

BOOST_AUTO_TEST_CASE(a_transfer_begun_before_the_saga_kept_state_is_recovered) {
  mink::testing::saga_scenario old{
    make_transfer_saga(registry,
                       [](const std::string& tid)
                         -> caf::expected<mink::recovered<transfer_progress>> {
                         BOOST_TEST(tid == "t5");
                         return mink::recovered<transfer_progress>{
                           {"x", "y", 7}, 0};
                       }),
    registry};
  BOOST_REQUIRE(!old.given("transfer-t5", transfer_debited{}));
  BOOST_REQUIRE_EQUAL(old.commands().size(), 2u);
  BOOST_TEST(old.commands()[0].stream_id() == "account-y");
  BOOST_TEST(old.commands()[0].command_id == id_of("t5", "credit"));
}

BOOST_AUTO_TEST_SUITE_END()
