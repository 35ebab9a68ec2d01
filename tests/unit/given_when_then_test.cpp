#include "mink/testing/given_when_then.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "../support/test_account.hpp"
#include "mink/errc.hpp"
#include "mink/testing/boost_test.hpp"

using namespace mink;
using namespace mink::test_domain;
using mink::testing::check_result;
using mink::testing::given_when_then;

namespace {

struct gwt_fixture {
  event_registry reg;

  gwt_fixture() {
    BOOST_REQUIRE(!register_events(reg));
  }

  /// A fixture that shows bank errors by name.
  given_when_then<account> scenario() const {
    return given_when_then<account>{reg, test_domain::describe};
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Checks that `r` failed and that its difference has each of `parts`.
void check_failure(const check_result& r,
                   const std::vector<std::string>& parts) {
  BOOST_TEST_REQUIRE(!r.ok);
  BOOST_TEST(!static_cast<bool>(r));
  for (const auto& part : parts)
    BOOST_TEST(contains(r.difference, part),
               "missing \"" << part << "\" in:\n" << r.difference);
}

// A decider whose decide and evolve throw, for the fixture's own tests.
struct throwing_decider {
  using state_type = int;
  using event_type = account_event;
  using command_type = deposit;

  static caf::expected<std::vector<account_event>> decide(const int&,
                                                          const deposit& x) {
    if (x.amount < 0)
      throw std::runtime_error("negative!");
    return std::vector<account_event>{money_deposited{x.amount}};
  }

  static void evolve(int&, const account_event& ev) {
    if (std::holds_alternative<account_closed>(ev))
      throw std::logic_error("closed!");
  }
};

using throwing = aggregate<throwing_decider>;

} // namespace

BOOST_FIXTURE_TEST_SUITE(given_when_then_tests, gwt_fixture)

// -- the bank account, specified with the fixture -----------------------------

BOOST_AUTO_TEST_CASE(open) {
  MINK_CHECK_THAT(scenario().when(open_account{"Ada"}).then_events(
    {account_opened{"Ada"}}));
  MINK_CHECK_THAT(scenario()
                    .given({account_opened{"Ada"}})
                    .when(open_account{"Bob"})
                    .then_error(bank_errc::account_already_open));
  // Opening again for the same owner is a repeat and changes nothing.
  MINK_CHECK_THAT(scenario()
                    .given({account_opened{"Ada"}})
                    .when(open_account{"Ada"})
                    .then_no_events());
}

BOOST_AUTO_TEST_CASE(deposit_money) {
  MINK_CHECK_THAT(scenario()
                    .given({account_opened{"Ada"}})
                    .when(deposit{25})
                    .then_events({money_deposited{25}}));
  MINK_CHECK_THAT(scenario()
                    .given({account_opened{"Ada"}})
                    .when(deposit{0})
                    .then_error(bank_errc::invalid_amount));
  MINK_CHECK_THAT(
    scenario().when(deposit{25}).then_error(bank_errc::account_not_open));
}

BOOST_AUTO_TEST_CASE(withdraw_with_sufficient_funds) {
  MINK_CHECK_THAT(scenario()
                    .given({account_opened{"Ada"}, money_deposited{50}})
                    .when(withdraw{50})
                    .then_events({money_withdrawn{50}}));
}

BOOST_AUTO_TEST_CASE(withdraw_without_sufficient_funds) {
  auto f = scenario();
  f.given({account_opened{"Ada"}, money_deposited{50}})
    .given({money_withdrawn{20}})
    .when(withdraw{31});
  BOOST_TEST(f.subject().version() == 3);
  BOOST_TEST(f.subject().state().balance == 30);
  // The code alone matches, whatever the explanation.
  MINK_CHECK_THAT(f.then_error(bank_errc::insufficient_funds));
  // With an explanation, the explanation must match too.
  MINK_CHECK_THAT(f.then_error(make_error(bank_errc::insufficient_funds,
                                          "balance 30, requested 31")));
  check_failure(f.then_error(make_error(bank_errc::insufficient_funds,
                                        "balance 30, requested 99")),
                {"expected error bank.insufficient_funds: balance 30, "
                 "requested 99",
                 "got error bank.insufficient_funds: balance 30, requested "
                 "31"});
  check_failure(f.then_error(bank_errc::invalid_amount),
                {"expected error bank.invalid_amount",
                 "got error bank.insufficient_funds"});
  // Never applied: the aggregate still has the given events only.
  BOOST_TEST(f.subject().version() == 3);
}

BOOST_AUTO_TEST_CASE(close_pays_out_the_balance) {
  MINK_CHECK_THAT(scenario()
                    .given({account_opened{"Ada"}, money_deposited{70},
                            money_withdrawn{30}})
                    .when(close_account{})
                    .then_events({money_withdrawn{40}, account_closed{}}));
  MINK_CHECK_THAT(scenario()
                    .given({account_opened{"Ada"}})
                    .when(close_account{})
                    .then_events({account_closed{}}));
}

BOOST_AUTO_TEST_CASE(commands_to_a_closed_account) {
  std::vector<account_event> history{account_opened{"Ada"}, account_closed{}};
  for (account_command cmd : {account_command{open_account{"Ada"}},
                              account_command{deposit{1}},
                              account_command{withdraw{1}},
                              account_command{close_account{}}})
    MINK_CHECK_THAT(
      scenario().given(history).when(cmd).then_error(bank_errc::account_closed));
}

// -- what the fixture reports on a mismatch -----------------------------------

BOOST_AUTO_TEST_CASE(different_events_name_the_first_differing_index) {
  auto r = scenario()
             .given({account_opened{"Ada"}, money_deposited{100}})
             .when(close_account{})
             .then_events({money_withdrawn{90}, account_closed{}});
  check_failure(r, {"events differ at index 0 (expected 2 events, got 2 "
                    "events)",
                    "expected:\n  -> [0] MoneyWithdrawn {\"amount\":90}\n"
                    "     [1] AccountClosed {}\n",
                    "actual:\n  -> [0] MoneyWithdrawn {\"amount\":100}\n"
                    "     [1] AccountClosed {}"});
  BOOST_TEST(r.difference.back() != '\n');
  auto r2 = scenario()
              .given({account_opened{"Ada"}})
              .when(close_account{})
              .then_events({account_closed{}, account_closed{}});
  // The lists agree up to index 1, where the actual one has ended.
  check_failure(r2, {"events differ at index 1 (expected 2 events, got 1 "
                     "event)",
                     "  -> [1] AccountClosed {}",
                     "actual:\n     [0] AccountClosed {}\n  -> [1] (none)"});
  auto r3 = scenario()
              .given({account_opened{"Ada"}})
              .when(deposit{5})
              .then_events({money_withdrawn{5}});
  check_failure(r3, {"index 0", "MoneyWithdrawn {\"amount\":5}",
                     "MoneyDeposited {\"amount\":5}"});
}

BOOST_AUTO_TEST_CASE(events_instead_of_an_error_and_the_reverse) {
  auto r = scenario()
             .given({account_opened{"Ada"}, money_deposited{100}})
             .when(withdraw{10})
             .then_error(bank_errc::insufficient_funds);
  check_failure(r, {"expected error bank.insufficient_funds, got 1 event:",
                    "[0] MoneyWithdrawn {\"amount\":10}"});
  auto r2 = scenario()
              .given({account_opened{"Ada"}})
              .when(withdraw{10})
              .then_events({money_withdrawn{10}});
  check_failure(r2, {"expected 1 event, got error bank.insufficient_funds: "
                     "balance 0, requested 10",
                     "[0] MoneyWithdrawn {\"amount\":10}"});
  auto r3 = scenario().when(open_account{"Ada"}).then_no_events();
  check_failure(r3, {"expected no events, got 1 event:",
                     "[0] AccountOpened {\"owner\":\"Ada\"}"});
  auto r4 = scenario().when(deposit{1}).then_no_events();
  check_failure(r4, {"expected no events, got error bank.account_not_open"});
  auto r5 = scenario()
              .given({account_opened{"Ada"}})
              .when(open_account{"Ada"})
              .then_events({account_opened{"Ada"}});
  check_failure(r5, {"expected 1 event, got 0 events", "  -> [0] (none)"});
}

BOOST_AUTO_TEST_CASE(default_rendering_of_foreign_errors) {
  // Without a renderer, errors of other categories show as CAF renders them.
  given_when_then<account> f{reg};
  auto r = f.when(deposit{1}).then_events({money_deposited{1}});
  check_failure(r, {"got error error(1, 'bank')"});
  BOOST_TEST(!f.then_error(errc::decode_failed).ok);
  check_failure(f.then_error(errc::decode_failed),
                {"expected error decode_failed, got error error(1, 'bank')"});
}

BOOST_AUTO_TEST_CASE(unregistered_events_fail_the_check) {
  event_registry partial;
  BOOST_REQUIRE(!partial.add<account_opened>(
    "AccountOpened", 1,
    [](const account_opened& x, rapidjson::Document& doc) {
      doc.SetObject();
      doc.AddMember("owner", rapidjson::StringRef(x.owner.c_str()),
                    doc.GetAllocator());
    },
    [](const rapidjson::Value& v) -> caf::expected<account_opened> {
      return account_opened{v["owner"].GetString()};
    }));
  given_when_then<account> f{partial, test_domain::describe};
  auto r = f.given({account_opened{"Ada"}})
             .when(deposit{3})
             .then_events({money_deposited{3}});
  check_failure(r, {"events differ at index 0", "(cannot encode: "
                                                "unknown_event_type"});
}

BOOST_AUTO_TEST_CASE(events_must_survive_a_round_trip) {
  // A decoder that loses the amount: the events compare equal, but the
  // store would give back something else.
  event_registry lossy;
  BOOST_REQUIRE(!lossy.add<money_deposited>(
    "MoneyDeposited", 1,
    [](const money_deposited& x, rapidjson::Document& doc) {
      doc.SetObject();
      doc.AddMember("amount", x.amount, doc.GetAllocator());
    },
    [](const rapidjson::Value&) -> caf::expected<money_deposited> {
      return money_deposited{};
    }));
  BOOST_REQUIRE(!lossy.add<account_opened>(
    "AccountOpened", 1,
    [](const account_opened&, rapidjson::Document& doc) { doc.SetObject(); },
    [](const rapidjson::Value&) -> caf::expected<account_opened> {
      return make_error(errc::invalid_argument, "always fails");
    }));
  given_when_then<account> f{lossy, test_domain::describe};
  f.given({account_opened{"Ada"}}).when(deposit{3});
  check_failure(f.then_events({money_deposited{3}}),
                {"decided event [0] MoneyDeposited {\"amount\":3} changes in "
                 "a round trip",
                 "MoneyDeposited {\"amount\":0}"});
  given_when_then<account> g{lossy, test_domain::describe};
  check_failure(g.when(open_account{"Ada"}).then_events({account_opened{}}),
                {"decided event [0] AccountOpened {} does not decode",
                 "always fails"});
}

BOOST_AUTO_TEST_CASE(misuse_and_exceptions_fail_the_check) {
  given_when_then<account> f{reg};
  check_failure(f.then_no_events(), {"no command: call when()"});
  f.when(deposit{1});
  f.given({account_opened{"Ada"}});
  check_failure(f.then_error(bank_errc::account_not_open),
                {"given() after when()"});
  given_when_then<account> g{reg};
  g.when(deposit{1}).when(deposit{2});
  check_failure(g.then_error(bank_errc::account_not_open),
                {"when() called twice"});
  given_when_then<account> h{reg};
  check_failure(h.when(deposit{1}).then_error(caf::error{}),
                {"then_error() needs an error"});
  given_when_then<throwing> t{reg};
  check_failure(t.when(deposit{-1}).then_no_events(),
                {"decide threw: negative!"});
  given_when_then<throwing> u{reg};
  check_failure(u.given({account_closed{}}).when(deposit{1}).then_no_events(),
                {"applying given event [0] threw: closed!"});
  given_when_then<throwing> v{reg};
  MINK_CHECK_THAT(v.given({money_deposited{1}})
                    .when(deposit{2})
                    .then_events({money_deposited{2}}));
}

BOOST_AUTO_TEST_SUITE_END()
